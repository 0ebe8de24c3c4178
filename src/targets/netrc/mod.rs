//! The netrc target: `machine <host> login <nameCode> password <passCode>` in the user's
//! `~/.netrc` (or `$NETRC`), which pip, uv, conda, Go, curl `-n` and wget read, plus discovery
//! of pip's and uv's configuration pointing at the Nexus. Pure code only: the files are read and
//! written by the caller.

pub mod discover;
pub mod editor;
