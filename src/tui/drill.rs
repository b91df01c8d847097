//! The detail views of the fleet panes: an opened row's own table (a node's applications,
//! a command's invocations…), loaded off the loop and reloaded after refreshes.

use super::app::{App, Effect, Pane};
use super::drill_rows;
use super::panes::Column;
use super::table::TableState;
use crate::domain::model::PatchFilter;
use crate::domain::snapshot::Source;
use crate::engine::DetailRequest;
use crate::engine::fleet::Detail;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillKind {
    Inventory,
    Patches,
    Command,
    Window,
    Association,
}

/// An opened row: its own table, and lines shown above it.
#[derive(Debug, Clone)]
pub struct Drill {
    pub kind: DrillKind,
    pub id: String,
    pub table: TableState,
    pub header: Vec<String>,
    pub loading: bool,
    pub error: Option<String>,
    /// A command's: where its whole output was also written, and its instances.
    pub output: crate::domain::model::OutputConfig,
    pub targets: Vec<String>,
    /// A node's patches: which ones are asked for.
    pub patch_filter: PatchFilter,
}

impl Drill {
    pub fn title(&self, lang: crate::i18n::Lang) -> String {
        let key = match self.kind {
            DrillKind::Inventory => "ui.drill.applications",
            DrillKind::Patches => "ui.drill.patches",
            DrillKind::Command => "ui.drill.invocations",
            DrillKind::Window => "ui.drill.window",
            DrillKind::Association => "ui.drill.association",
        };
        crate::i18n::tf(lang, key, &[("id", &self.id)])
    }

    /// Its table's columns.
    pub fn columns(&self) -> &'static [Column] {
        match self.kind {
            DrillKind::Inventory => drill_rows::APP_COLUMNS,
            DrillKind::Patches => drill_rows::PATCH_ENTRY_COLUMNS,
            DrillKind::Command => drill_rows::INVOCATION_COLUMNS,
            DrillKind::Window => drill_rows::WINDOW_DETAIL_COLUMNS,
            DrillKind::Association => super::association_rows::NODE_COLUMNS,
        }
    }

    fn request(&self) -> DetailRequest {
        match self.kind {
            DrillKind::Inventory => DetailRequest::Inventory(self.id.clone()),
            DrillKind::Patches => DetailRequest::Patches(self.id.clone(), self.patch_filter),
            DrillKind::Command => DetailRequest::Invocations(
                self.id.clone(),
                self.output.clone(),
                self.targets.clone(),
            ),
            DrillKind::Window => DetailRequest::Window(self.id.clone()),
            DrillKind::Association => {
                DetailRequest::Association(self.id.clone(), self.targets.clone())
            }
        }
    }
}

pub fn opens_detail(pane: Pane) -> bool {
    matches!(
        pane,
        Pane::Inventory | Pane::Patches | Pane::Commands | Pane::Windows | Pane::Associations
    )
}

pub fn runs_commands(pane: Pane) -> bool {
    matches!(
        pane,
        Pane::Instances | Pane::Inventory | Pane::Patches | Pane::Commands
    )
}

pub fn open_detail(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id() else {
        return Vec::new();
    };
    let kind = match app.pane {
        Pane::Inventory => DrillKind::Inventory,
        Pane::Patches => DrillKind::Patches,
        Pane::Commands => DrillKind::Command,
        Pane::Associations => DrillKind::Association,
        _ => DrillKind::Window,
    };
    let command = app.snapshot.commands.iter().find(|c| c.id == id);
    let output = command.map(|c| c.output.clone()).unwrap_or_default();
    let targets = match kind {
        DrillKind::Association => super::association_rows::targeted_nodes(app.data_of(&id), &id),
        _ => command.map(|c| c.instance_ids.clone()).unwrap_or_default(),
    };
    let drill = Drill {
        kind,
        id,
        table: TableState::default(),
        header: Vec::new(),
        loading: true,
        error: None,
        output,
        targets,
        patch_filter: PatchFilter::All,
    };
    let request = drill.request();
    app.drill = Some(drill);
    vec![Effect::LoadDetail(request)]
}

/// A node's patches: the next filter, asked for again.
pub fn next_patch_filter(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.drill.as_mut().filter(|d| d.kind == DrillKind::Patches) else {
        return Vec::new();
    };
    d.patch_filter = d.patch_filter.next();
    d.loading = true;
    vec![Effect::LoadDetail(d.request())]
}

pub fn reload_detail(app: &App) -> Vec<Effect> {
    app.drill
        .iter()
        .map(|d| Effect::LoadDetail(d.request()))
        .collect()
}

/// After a refresh: an opened command that is still running is reloaded with it.
pub fn after_refresh(app: &mut App, source: Source) -> Vec<Effect> {
    let Some(d) = &app.drill else {
        return Vec::new();
    };
    let running = |id: &str| {
        app.snapshot.commands.iter().any(|c| {
            c.id == id && matches!(c.status.as_str(), "Pending" | "InProgress" | "Cancelling")
        })
    };
    let was_loaded_running = d.table.rows.iter().any(|r| {
        r.cells
            .get(1)
            .is_some_and(|c| c.text.contains("Pending") || c.text.contains("InProgress"))
    });
    if source == Source::Commands
        && d.kind == DrillKind::Command
        && (running(&d.id) || was_loaded_running)
    {
        return vec![Effect::LoadDetail(d.request())];
    }
    Vec::new()
}

/// A detail view's rows and header lines, or the error that stopped them.
type Loaded = Result<(Vec<super::rows::Row>, Vec<String>), String>;

pub fn on_detail(app: &mut App, detail: Detail) {
    let page = app.page();
    let now = app.now;
    let lang = app.lang;
    let Some(drill) = &mut app.drill else {
        return;
    };
    let (id, result): (&str, Loaded) = match &detail {
        Detail::Inventory {
            instance_id,
            result,
        } => (
            instance_id,
            result
                .as_ref()
                .map(|d| {
                    (
                        drill_rows::application_rows(d),
                        drill_rows::inventory_header(d, lang),
                    )
                })
                .map_err(Clone::clone),
        ),
        Detail::Patches {
            instance_id,
            filter,
            result,
        } => {
            if *filter != drill.patch_filter {
                return;
            }
            (
                instance_id,
                result
                    .as_ref()
                    .map(|p| {
                        (
                            drill_rows::patch_entry_rows(p, now, lang),
                            vec![drill_rows::patch_filter_line(*filter, p.len(), lang)],
                        )
                    })
                    .map_err(Clone::clone),
            )
        }
        Detail::Invocations { command_id, result } => (
            command_id,
            result
                .as_ref()
                .map(|i| (drill_rows::invocation_rows(i, lang), Vec::new()))
                .map_err(Clone::clone),
        ),
        Detail::Window { window_id, result } => (
            window_id,
            result
                .as_ref()
                .map(|d| (drill_rows::window_detail_rows(d, now, lang), Vec::new()))
                .map_err(Clone::clone),
        ),
        Detail::Association {
            association_id,
            result,
        } => (
            association_id,
            result
                .as_ref()
                .map(|d| {
                    (
                        super::association_rows::node_rows(&d.nodes, now, lang),
                        super::association_rows::header(d, now, lang),
                    )
                })
                .map_err(Clone::clone),
        ),
    };
    if id != drill.id {
        return;
    }
    drill.loading = false;
    match result {
        Ok((rows, header)) => {
            drill.error = None;
            drill.header = header;
            drill.table.set_rows(rows, page);
        }
        Err(e) => drill.error = Some(e),
    }
}
