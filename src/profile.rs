//! Saved profiles (configuration) and run state. (Stub.)
