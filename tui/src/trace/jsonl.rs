//! A trace as JSON lines, for plotting with anything: the header on the first line, then one object per frame
//! with every node's metrics, links and details by name.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::Trace;

/// Writes `trace` to `out`, one JSON object a line.
pub fn write_jsonl(trace: &Trace, out: &mut impl Write) -> std::io::Result<()> {
    let h = &trace.header;
    let header = serde_json::to_value(h).map_err(std::io::Error::other)?;
    writeln!(
        out,
        "{}",
        json!({"header": header, "truncated": trace.truncated})
    )?;
    let named = |names: &[String], values: &[u64]| -> Value {
        Value::Object(
            names
                .iter()
                .zip(values)
                .map(|(n, v)| (n.clone(), json!(v)))
                .collect::<Map<_, _>>(),
        )
    };
    for (i, frame) in trace.frames.iter().enumerate() {
        let nodes: Vec<Value> = frame
            .nodes
            .iter()
            .map(|s| {
                let node = &h.nodes[s.node as usize];
                let details: Map<_, _> = s
                    .details
                    .iter()
                    .map(|(id, values)| (id.to_string(), named(&h.detail_metrics, values)))
                    .collect();
                json!({
                    "x": node.x,
                    "y": node.y,
                    "metrics": named(&h.node_metrics, &s.metrics),
                    "links": named(&h.links, &s.links),
                    h.detail_kind.clone() + "s": details,
                })
            })
            .collect();
        let line = json!({
            "frame": i,
            "start_ms": frame.start_ms,
            "end_ms": frame.end_ms,
            "ticks": frame.ticks,
            "nodes": nodes,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::trace::spinnaker::tests::small_trace;

    #[test]
    fn every_line_is_json_with_names() {
        let trace = small_trace();
        let mut out = Vec::new();
        super::write_jsonl(&trace, &mut out).unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1 + trace.frames.len());
        assert_eq!(lines[0]["header"]["machine"], "spinnaker-48");
        let hot = &lines[1]["nodes"][1];
        assert_eq!((hot["x"].as_u64(), hot["y"].as_u64()), (Some(2), Some(1)));
        assert_eq!(hot["metrics"]["routed"], 900);
        assert_eq!(hot["links"]["NE"], 400);
        assert_eq!(hot["cores"]["3"]["spikes_out"], 40);
    }
}
