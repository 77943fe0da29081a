//! Times on the timestep grid: a number of timesteps to milliseconds without float noise, and milliseconds to a
//! whole number of timesteps or a refusal. Durations and sampling intervals must fall on the grid (nothing is
//! rounded silently), and times written to result files are the grid's decimals.

/// `steps × timestep_ms` as the decimal product rounded once to the nearest f64, so that a time on the timestep
/// grid prints as its shortest decimal: 229 steps of 0.1 ms are 22.9, where the float product
/// `229.0 * 0.1` is 22.900000000000002. The timestep's shortest decimal (`0.1`) is taken as exact, the
/// product is formed in integers and divided once by a power of ten. A timestep with more digits than that
/// allows, or a product beyond 2^53, falls back to the float product.
pub fn steps_to_ms(steps: u64, timestep_ms: f64) -> f64 {
    let text = timestep_ms.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let exact = format!("{whole}{fraction}")
        .parse::<u64>()
        .ok()
        .and_then(|units| steps.checked_mul(units))
        .filter(|&product| product < 1 << 53 && fraction.len() <= 22);
    match exact {
        Some(product) => product as f64 / 10f64.powi(fraction.len() as i32),
        None => steps as f64 * timestep_ms,
    }
}

/// `ms` as a whole number of `timestep_ms` steps, or why not (without the place, which the caller names):
/// not positive, or between two steps, with the nearest times that are whole steps.
pub fn whole_steps(ms: f64, timestep_ms: f64) -> Result<u64, String> {
    if !(ms.is_finite() && ms > 0.0) {
        return Err("must be a positive number of ms".into());
    }
    let steps = ms / timestep_ms;
    let whole = steps.round();
    if (steps - whole).abs() > 1e-9 * whole.max(1.0) {
        let at = |s: f64| steps_to_ms(s as u64, timestep_ms);
        let nearest = if steps.floor() > 0.0 {
            format!("{} or {} ms", at(steps.floor()), at(steps.ceil()))
        } else {
            format!("{} ms", at(steps.ceil()))
        };
        return Err(format!(
            "not a whole number of {timestep_ms} ms timesteps ({steps} steps); the nearest that run exactly: {nearest}"
        ));
    }
    Ok(whole as u64)
}

#[cfg(test)]
mod tests {
    use super::{steps_to_ms, whole_steps};

    #[test]
    fn times_on_the_timestep_grid_print_without_float_noise() {
        assert_eq!(
            229.0 * 0.1,
            22.900000000000002,
            "the float product is noisy"
        );
        assert_eq!(steps_to_ms(229, 0.1).to_string(), "22.9");
        assert_eq!(steps_to_ms(3, 0.1).to_string(), "0.3");
        assert_eq!(steps_to_ms(7, 0.025).to_string(), "0.175");
        assert_eq!(steps_to_ms(1000, 1.0), 1000.0);
        assert_eq!(steps_to_ms(0, 0.1), 0.0);
        assert_eq!(steps_to_ms(u64::from(u32::MAX), 0.1), 429_496_729.5);
        // A timestep without a short decimal falls back to the float product.
        assert_eq!(steps_to_ms(3, 1.0 / 3.0), 3.0 * (1.0 / 3.0));
    }

    #[test]
    fn whole_steps_or_the_nearest_that_are() {
        assert_eq!(whole_steps(2.0, 0.1), Ok(20));
        assert_eq!(whole_steps(0.3, 0.1), Ok(3));
        assert_eq!(
            whole_steps(2.5, 1.0).unwrap_err(),
            "not a whole number of 1 ms timesteps (2.5 steps); the nearest that run exactly: 2 or 3 ms"
        );
        let e = whole_steps(0.25, 0.1).unwrap_err();
        assert!(
            e.ends_with("the nearest that run exactly: 0.2 or 0.3 ms"),
            "{e}"
        );
        assert!(whole_steps(0.0, 1.0).is_err());
        assert!(whole_steps(f64::NAN, 1.0).is_err());
    }
}
