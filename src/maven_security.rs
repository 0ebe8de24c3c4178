//! Maven's password encryption (settings-security.xml). (Stub.)
