//! `nmemu-tui`: a ratatui monitor of router traffic and wafer activity, live or replayed. Empty until its
//! issue; see ARCHITECTURE.md.
