//! Prints the generated rule reference (the part of docs/fastapi-rules.md below
//! `<!-- generated: rules -->`).
fn main() {
    print!("{}", jwtward_fastapi::docs::rules_markdown());
}
