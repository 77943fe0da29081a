//! Neuron positions from PyNN's `pyNN.space` structures, for distance-dependent connectors.
//!
//! Follows PyNN 0.13 `space.py`: `Line` places neuron i at x0 + i*dx; `Grid2D` takes nx = round(sqrt(n*aspect)),
//! ny = round(n/nx) and enumerates `numpy.indices((nx, ny))` (so neuron i sits at column i / ny, row i % ny);
//! `Grid3D` likewise with nx = (n * ar_xy * ar_xz)^(1/3), ny = nx / ar_xy, nz = nx / ar_xz; `RandomStructure`
//! draws uniformly in a cuboid centred on `origin`. Distances are Euclidean, without periodic boundaries
//! (PyNN's default `Space()`).

use rand::RngExt;
use rand::seq::SliceRandom;

use crate::format::{Boundary, FillOrder, Structure};
use crate::random::{Domain, stream};

pub type Position = [f64; 3];

/// The grid shape PyNN derives, or why the population size does not fit it.
fn grid_dims(structure: &Structure, n: u32) -> Result<Vec<usize>, String> {
    let n_f = f64::from(n);
    let dims: Vec<usize> = match *structure {
        Structure::Grid2D { aspect_ratio, .. } => {
            let nx = (n_f * aspect_ratio).sqrt().round().max(1.0);
            vec![nx as usize, (n_f / nx).round() as usize]
        }
        Structure::Grid3D {
            aspect_ratio_xy,
            aspect_ratio_xz,
            ..
        } => {
            let nx = (n_f * aspect_ratio_xy * aspect_ratio_xz)
                .cbrt()
                .round()
                .max(1.0);
            vec![
                nx as usize,
                (nx / aspect_ratio_xy).round() as usize,
                (nx / aspect_ratio_xz).round() as usize,
            ]
        }
        _ => return Ok(vec![n as usize]),
    };
    if dims.iter().product::<usize>() == n as usize {
        Ok(dims)
    } else {
        let shape: Vec<String> = dims.iter().map(ToString::to_string).collect();
        Err(format!(
            "a population of {n} does not fill this grid: its aspect ratio gives {} = {} positions",
            shape.join(" x "),
            dims.iter().product::<usize>()
        ))
    }
}

/// Checks a structure's parameters for a population of `n` neurons.
pub fn check(structure: &Structure, n: u32) -> Result<(), String> {
    let positive = |name: &str, x: f64| {
        if x > 0.0 && x.is_finite() {
            Ok(())
        } else {
            Err(format!("{name} must be > 0, got {x}"))
        }
    };
    match *structure {
        Structure::Grid2D { aspect_ratio, .. } => positive("aspect_ratio", aspect_ratio)?,
        Structure::Grid3D {
            aspect_ratio_xy,
            aspect_ratio_xz,
            ..
        } => {
            positive("aspect_ratioXY", aspect_ratio_xy)?;
            positive("aspect_ratioXZ", aspect_ratio_xz)?;
        }
        Structure::RandomStructure {
            boundary:
                Boundary::Cuboid {
                    width,
                    height,
                    depth,
                },
            ..
        } => {
            for (name, x) in [("width", width), ("height", height), ("depth", depth)] {
                if !(x >= 0.0 && x.is_finite()) {
                    return Err(format!("boundary.{name} must be >= 0, got {x}"));
                }
            }
        }
        Structure::Line { .. } => {}
    }
    grid_dims(structure, n).map(|_| ())
}

/// Positions of the `n` neurons of population `label`; `check` must have passed.
pub fn positions(structure: &Structure, n: u32, seed: u64, label: &str) -> Vec<Position> {
    let mut rng = stream(seed, Domain::Space, label, "positions", 0);
    let dims = grid_dims(structure, n).unwrap_or_else(|_| vec![n as usize]);
    let mut out: Vec<Position> = (0..n as usize)
        .map(|i| match *structure {
            Structure::Line { dx, x0, y, z } => [x0 + dx * i as f64, y, z],
            Structure::Grid2D {
                dx, dy, x0, y0, z, ..
            } => {
                let (ix, iy) = (i / dims[1], i % dims[1]);
                [x0 + dx * ix as f64, y0 + dy * iy as f64, z]
            }
            Structure::Grid3D {
                dx,
                dy,
                dz,
                x0,
                y0,
                z0,
                ..
            } => {
                let (ny, nz) = (dims[1], dims[2]);
                let (ix, iy, iz) = (i / (ny * nz), (i / nz) % ny, i % nz);
                [
                    x0 + dx * ix as f64,
                    y0 + dy * iy as f64,
                    z0 + dz * iz as f64,
                ]
            }
            Structure::RandomStructure {
                boundary:
                    Boundary::Cuboid {
                        width,
                        height,
                        depth,
                    },
                origin,
            } => {
                let mut u = |extent: f64| extent * (rng.random::<f64>() - 0.5);
                [
                    origin[0] + u(width),
                    origin[1] + u(height),
                    origin[2] + u(depth),
                ]
            }
        })
        .collect();
    let random_fill = matches!(
        structure,
        Structure::Grid2D {
            fill_order: FillOrder::Random,
            ..
        } | Structure::Grid3D {
            fill_order: FillOrder::Random,
            ..
        }
    );
    if random_fill {
        out.shuffle(&mut rng);
    }
    out
}

pub fn distance(a: &Position, b: &Position) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    (dx * dx + dy * dy + dz * dz).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid2d(aspect_ratio: f64, fill_order: FillOrder) -> Structure {
        Structure::Grid2D {
            aspect_ratio,
            dx: 1.0,
            dy: 2.0,
            x0: 0.0,
            y0: 0.0,
            z: 0.0,
            fill_order,
        }
    }

    #[test]
    fn grid2d_enumerates_like_numpy_indices() {
        let p = positions(&grid2d(1.0, FillOrder::Sequential), 9, 0, "g");
        assert_eq!(p[0], [0.0, 0.0, 0.0]);
        assert_eq!(p[1], [0.0, 2.0, 0.0]);
        assert_eq!(p[3], [1.0, 0.0, 0.0]);
        assert_eq!(p[8], [2.0, 4.0, 0.0]);
    }

    #[test]
    fn grid_that_does_not_fit_is_refused() {
        assert!(check(&grid2d(1.0, FillOrder::Sequential), 10).is_err());
        assert!(check(&grid2d(2.5, FillOrder::Sequential), 10).is_ok());
    }

    #[test]
    fn random_fill_permutes_the_same_sites() {
        let mut a = positions(&grid2d(1.0, FillOrder::Random), 16, 5, "g");
        let mut b = positions(&grid2d(1.0, FillOrder::Sequential), 16, 5, "g");
        assert_ne!(a, b);
        let key = |p: &Position| (p[0] as i64, p[1] as i64);
        a.sort_by_key(key);
        b.sort_by_key(key);
        assert_eq!(a, b);
    }

    #[test]
    fn grid3d_and_random_structure() {
        let g = Structure::Grid3D {
            aspect_ratio_xy: 1.0,
            aspect_ratio_xz: 1.0,
            dx: 1.0,
            dy: 1.0,
            dz: 1.0,
            x0: 0.0,
            y0: 0.0,
            z0: 0.0,
            fill_order: FillOrder::Sequential,
        };
        let p = positions(&g, 27, 0, "g");
        assert_eq!(p[26], [2.0, 2.0, 2.0]);
        assert_eq!(p[1], [0.0, 0.0, 1.0]);
        let r = Structure::RandomStructure {
            boundary: Boundary::Cuboid {
                width: 2.0,
                height: 4.0,
                depth: 0.0,
            },
            origin: [10.0, 0.0, 0.0],
        };
        for q in positions(&r, 100, 1, "r") {
            assert!((9.0..=11.0).contains(&q[0]) && (-2.0..=2.0).contains(&q[1]) && q[2] == 0.0);
        }
    }
}
