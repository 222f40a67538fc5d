//! Link arguments for a Node addon (on macOS: resolve Node-API symbols at load time).

fn main() {
    napi_build::setup();
}
