//! Interim model check until bss-params' `model.rs` is merged: the cell types the wafer runs.

use nmemu_loader::Network;
use nmemu_loader::format::cells::CellType;

/// Refuses populations whose cell type the wafer cannot run.
pub fn check_model(net: &Network) -> Result<(), String> {
    for p in &net.populations {
        if !matches!(
            p.cell_type,
            CellType::IfCondExp | CellType::EifCondExpIsfaIsta | CellType::SpikeSourcePoisson | CellType::SpikeSourceArray
        ) {
            return Err(format!(
                "population '{}': {} does not run on BrainScaleS-1 (IF_cond_exp, EIF_cond_exp_isfa_ista and spike sources do)",
                p.label,
                p.cell_type.name()
            ));
        }
    }
    Ok(())
}
