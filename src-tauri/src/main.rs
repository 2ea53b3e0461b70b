// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Started again as the parser of an untrusted spreadsheet: parse, answer, exit.
    xinbao_import::child::serve_if_asked();
    xinbao_desk::run();
}
