//! settings.xml editor: pure functions over text. (Stub: filled in by the Maven editor issue.)
