//! gradle.properties editor: pure functions over text. (Stub: filled in by the Gradle editor issue.)
