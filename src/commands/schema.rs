//! `nmemu schema`: the JSON Schema of net.json, generated from the loader's types.

/// Print the JSON Schema of net.json (for editors that validate as you type).
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  nmemu schema > net.schema.json")]
pub struct Args {}

pub fn run(_: &Args) -> Result<(), String> {
    let schema = nmemu_loader::format::json_schema();
    let text = serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
