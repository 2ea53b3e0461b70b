//! The parser child alone ([`xinbao_import::child`]): what the import crate's own tests
//! start, since a test harness cannot be started again as a parser. The app and the CLI
//! are their own parsers.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    xinbao_import::child::serve_if_asked();
    eprintln!(
        "xinbao-parse: started by the import with {} and a request",
        xinbao_import::child::PARSE_ARG
    );
    std::process::exit(2);
}
