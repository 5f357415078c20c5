#[derive(clap::Subcommand)]
pub enum TokenCommand {}

pub fn run(c: TokenCommand) -> anyhow::Result<std::process::ExitCode> {
    match c {}
}
