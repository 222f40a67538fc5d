//! Link arguments of a Python extension module (macOS: Python's symbols are resolved when the
//! interpreter loads the module), so `cargo build` links the cdylib as maturin does.

fn main() {
    pyo3_build_config::add_extension_module_link_args();
}
