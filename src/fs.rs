//! File writes that lose nothing: atomic replace, modes, symlinks, advisory locks.
//! (Stub: filled in by the workflow issue.)
