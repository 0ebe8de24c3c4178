//! The pypirc target: `username`/`password` of a section of `~/.pypirc`, which twine reads for
//! uploads. Pure code only: the file is read and written by the caller.

pub mod editor;
