//! Routing-table minimisation through the mapper's API: every algorithm on random orthogonal tables must
//! route every key as before (checked symbolically and, on a 10-bit key space, by brute force); the checker
//! must agree with brute force on deliberately broken tables; and the reference tables give the published
//! sizes.

use std::path::Path;

use nmemu_mapping::spinnaker::tables::{
    Algorithm, ChipTable, MAX_MERGING_ENTRIES, TableEntry, check_equivalent, minimise,
    minimise_all, read_tables,
};
use proptest::prelude::*;
use spinnaker_emu::router::table::{Route, RoutingEntry};

/// Keys of the random tables live in the low bits; every entry fixes the bits above to 0.
const KEY_BITS: u32 = 10;
const HIGH: u32 = !((1 << KEY_BITS) - 1);

/// A few routes, some single links (the only ones default routing can stand in for), some with cores.
const ROUTES: [u32; 5] = [1 << 0, 1 << 3, 1 << 6 | 1 << 2, 1 << 9, 1 << 4];

/// Random entries, each dropped if it intersects one kept before: an orthogonal table whose entries fix
/// most low bits (three quarters on average), so that many of them can merge.
fn orthogonal_table() -> impl Strategy<Value = Vec<TableEntry>> {
    prop::collection::vec(
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            0..ROUTES.len(),
            any::<bool>(),
        ),
        1..160,
    )
    .prop_map(|raw| {
        let mut table: Vec<TableEntry> = Vec::new();
        for (a, b, k, r, defaultable) in raw {
            let mask = HIGH | ((a | b) & !HIGH);
            let entry = TableEntry {
                key: k & mask & !HIGH,
                mask,
                route: Route(ROUTES[r]),
                defaultable: defaultable && ROUTES[r].count_ones() == 1,
            };
            let clear = table
                .iter()
                .all(|e| (e.key ^ entry.key) & e.mask & entry.mask != 0);
            if clear {
                table.push(entry);
            }
        }
        table
    })
}

fn first_match(table: &[RoutingEntry], key: u32) -> Option<Route> {
    table.iter().find(|e| e.matches(key)).map(|e| e.route)
}

/// The definition the checker implements, by enumerating the whole (small) key space.
fn brute_force_equivalent(original: &[TableEntry], minimised: &[RoutingEntry]) -> bool {
    let hardware: Vec<RoutingEntry> = original.iter().map(TableEntry::routing_entry).collect();
    (0..1u32 << KEY_BITS).all(|key| {
        let Some(winner) = original.iter().find(|e| key & e.mask == e.key) else {
            return true;
        };
        let now = first_match(minimised, key);
        now == first_match(&hardware, key) || (now.is_none() && winner.defaultable)
    })
}

/// A wrong minimiser: one entry per route, the merge of all its entries, rarest route first. Right only
/// when no merge reaches into another route's keys.
fn merge_each_route_blindly(table: &[TableEntry]) -> Vec<RoutingEntry> {
    let mut routes: Vec<Route> = table.iter().map(|e| e.route).collect();
    routes.sort_by_key(|r| (table.iter().filter(|e| e.route == *r).count(), r.0));
    routes.dedup();
    routes
        .into_iter()
        .map(|route| {
            let members = table.iter().filter(|e| e.route == route);
            let any_ones = members.clone().fold(0, |acc, e| acc | e.key);
            let all_ones = members.clone().fold(u32::MAX, |acc, e| acc & e.key);
            let fixed = members.fold(u32::MAX, |acc, e| acc & e.mask);
            let mask = fixed & !(any_ones ^ all_ones);
            RoutingEntry {
                key: all_ones & mask,
                mask,
                route,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_algorithm_keeps_every_route(table in orthogonal_table()) {
        for algorithm in Algorithm::ALL {
            let minimised = minimise(&table, algorithm, None).unwrap();
            prop_assert!(minimised.len() <= table.len(), "{algorithm} grew the table");
            prop_assert_eq!(check_equivalent(&table, &minimised), Ok(()), "{}", algorithm);
            prop_assert!(brute_force_equivalent(&table, &minimised), "{algorithm} fooled the checker");
        }
    }

    #[test]
    fn ordered_covering_reaches_any_target_above_its_smallest_table(table in orthogonal_table()) {
        // With a target it takes the same merges as without, only stopping as soon as the table fits.
        let smallest = minimise(&table, Algorithm::OrderedCovering, None).unwrap().len();
        let target = (smallest + table.len()) / 2;
        let minimised = minimise(&table, Algorithm::OrderedCovering, Some(target)).unwrap();
        prop_assert!(minimised.len() <= target);
        prop_assert_eq!(check_equivalent(&table, &minimised), Ok(()));
    }

    #[test]
    fn the_checker_agrees_with_brute_force_on_broken_tables(table in orthogonal_table(), pick in any::<usize>()) {
        let blind = merge_each_route_blindly(&table);
        prop_assert_eq!(check_equivalent(&table, &blind).is_ok(), brute_force_equivalent(&table, &blind));
        // A rerouted entry is always caught, at one of its own keys.
        let mut rerouted: Vec<RoutingEntry> = table.iter().map(TableEntry::routing_entry).collect();
        let i = pick % rerouted.len();
        rerouted[i].route = Route(rerouted[i].route.0 ^ 1 << 12);
        let mismatch = check_equivalent(&table, &rerouted).unwrap_err();
        prop_assert_eq!(mismatch.key & table[i].mask, table[i].key);
        prop_assert_eq!(mismatch.minimised, Some(rerouted[i].route));
        prop_assert!(!brute_force_equivalent(&table, &rerouted));
    }
}

fn entry(key: u32, mask: u32, route: u32) -> TableEntry {
    TableEntry {
        key,
        mask,
        route: Route(route),
        defaultable: false,
    }
}

#[test]
fn a_blind_merge_is_caught() {
    // Merging 0000 and 0011 (route 1) gives 00XX, which takes 0001 from route 2 below it.
    let table = [
        entry(0b0000, !0, 1),
        entry(0b0011, !0, 1),
        entry(0b0001, !0, 2),
        entry(0b0100, !0, 2),
        entry(0b1000, !0, 2),
    ];
    let blind = merge_each_route_blindly(&table);
    let mismatch = check_equivalent(&table, &blind).unwrap_err();
    assert_eq!(
        (mismatch.key, mismatch.original, mismatch.minimised),
        (0b0001, Route(2), Some(Route(1)))
    );
    assert!(!brute_force_equivalent(&table, &blind));
}

#[test]
fn refusals_say_what_is_wrong() {
    let overlapping = [entry(0x10, 0xF0, 1), entry(0x00, 0x00, 2)];
    let error = minimise(&overlapping, Algorithm::OrderedCovering, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "entries 0 and 1 both match key 0x00000010; ordered-covering reorders the table, which needs entries that no key matches twice"
    );
    // Remove-default keeps the order, so overlaps are fine.
    assert_eq!(
        minimise(&overlapping, Algorithm::RemoveDefault, None)
            .unwrap()
            .len(),
        2
    );
    let spoiled = [entry(0x1, 0x0, 1)];
    let error = minimise(&spoiled, Algorithm::None, None).unwrap_err();
    assert!(
        error.to_string().contains("has bits outside mask"),
        "{error}"
    );
    let distinct: Vec<TableEntry> = (0..8).map(|k| entry(k << 4, 0xFFFF_FFF0, 1 << k)).collect();
    let error = minimise(&distinct, Algorithm::Pair, Some(5)).unwrap_err();
    assert_eq!(error.to_string(), "pair could not fit 8 entries into 5");
    // A table that fits is left as it is.
    assert_eq!(
        minimise(&distinct, Algorithm::OrderedCovering, Some(8))
            .unwrap()
            .len(),
        8
    );
    // Past the merging algorithms' cap the table is refused at once, naming the cap.
    let huge: Vec<TableEntry> = (0..=MAX_MERGING_ENTRIES as u32)
        .map(|k| entry(k, u32::MAX, 1 << (k % 24)))
        .collect();
    for algorithm in [Algorithm::OrderedCovering, Algorithm::Pair] {
        let error = minimise(&huge, algorithm, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "50001 entries are more than {algorithm} takes (50000; its time grows faster than the \
                 square of the table); remove-default and none take any size"
            )
        );
    }
    assert_eq!(
        minimise(&huge, Algorithm::RemoveDefault, None)
            .unwrap()
            .len(),
        huge.len()
    );
    assert_eq!(
        "range".parse::<Algorithm>().unwrap_err(),
        "unknown algorithm `range`; expected one of ordered-covering, pair, remove-default, none"
    );
}

fn many_to_one() -> Vec<ChipTable> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/routing-tables/many_to_one.json.gz");
    read_tables(&path).unwrap()
}

#[test]
fn many_to_one_lands_where_rig_and_pacman_do() {
    let tables = many_to_one();
    for (algorithm, most_total, largest_at_most) in [
        (Algorithm::OrderedCovering, 2_635, 993),
        (Algorithm::Pair, 2_494, 907),
    ] {
        let results = minimise_all(&tables, algorithm, None);
        let mut total = 0;
        for (table, result) in tables.iter().zip(&results) {
            let minimised = result.as_ref().unwrap();
            assert_eq!(
                check_equivalent(&table.entries, minimised),
                Ok(()),
                "{}",
                table.chip
            );
            assert!(
                minimised.len() <= largest_at_most,
                "{algorithm} {}: {}",
                table.chip,
                minimised.len()
            );
            total += minimised.len();
        }
        assert!(total <= most_total, "{algorithm}: {total}");
    }
    // With the router's target, only the one table over 1,023 entries is minimised, and only until it fits.
    let fitted = minimise_all(&tables, Algorithm::OrderedCovering, Some(1_023));
    let changed: Vec<usize> = tables
        .iter()
        .zip(&fitted)
        .filter(|(t, r)| r.as_ref().unwrap().len() != t.entries.len())
        .map(|(_, r)| r.as_ref().unwrap().len())
        .collect();
    assert_eq!(changed.len(), 1);
    assert!((1_000..=1_023).contains(&changed[0]), "{changed:?}");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let tables = many_to_one();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| minimise_all(&tables, Algorithm::OrderedCovering, None))
    };
    assert_eq!(run(1), run(2));
}
