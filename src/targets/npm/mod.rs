//! npm, pnpm and Yarn 1 targets: the user `.npmrc` gets the token as `_auth` at the registry's
//! exact key. This folder owns the npmrc format (`editor`, pure bytes in, bytes out); reading and
//! writing the file, the profile and the messages stay with the target seam and `fs`.

pub mod editor;
