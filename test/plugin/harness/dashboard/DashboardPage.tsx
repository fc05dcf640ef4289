/**
 * A dashboard laid out as Grafana lays it out: the variables' current selection across the top, then each panel
 * in a PanelChrome at its gridPos (24 columns, 30 px rows, 8 px gaps), drawn by its type's view once its data
 * is in. Each panel's wrapper carries its id, type and state, and a hidden copy of its Inspect CSV.
 */
import * as React from 'react';
import type { DataSourceApi, GrafanaTheme2, TimeRange } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { Dashboard, Panel } from '@grafana/schema';
import { Dropdown, Icon, Menu, PanelChrome, ToolbarButton } from '@grafana/ui';
import { loadPanelData, type PanelData } from './panel-data';
import { PANEL_KINDS } from './panel-kinds';

/** react-grid-layout as Grafana configures it (public/app/core/constants.ts). */
const GRID_COLUMNS = 24;
const GRID_CELL_HEIGHT = 30;
const GRID_CELL_MARGIN = 8;
const PAGE_PADDING = 16;

export interface ShownVariable {
  label: string;
  text: string;
}

interface Props {
  dashboard: Dashboard;
  variables: ShownVariable[];
  datasource: DataSourceApi;
  templateSrv: TemplateSrv;
  range: TimeRange;
  timeZone: string;
  theme: GrafanaTheme2;
  width: number;
  /** Called before each panel's queries go out, and with null when every panel is drawn. */
  onPanel: (panelId: number | null) => void;
}

type PanelState = { state: 'loading' } | { state: 'done'; data: PanelData } | { state: 'error'; message: string };

function boxOf(panel: Panel, columnWidth: number) {
  const { x = 0, y = 0, w = 12, h = 8 } = panel.gridPos ?? {};
  return {
    left: x * (columnWidth + GRID_CELL_MARGIN),
    top: y * (GRID_CELL_HEIGHT + GRID_CELL_MARGIN),
    width: w * columnWidth + (w - 1) * GRID_CELL_MARGIN,
    height: h * GRID_CELL_HEIGHT + (h - 1) * GRID_CELL_MARGIN,
  };
}

/**
 * Grafana's panel links (dashboard-scene VizPanelLinks): one link is a title item, an icon after the title with
 * the link's title as tooltip; several are a dropdown behind the same icon.
 */
function PanelLinks({ panel, templateSrv }: { panel: Panel; templateSrv: TemplateSrv }) {
  const links = panel.links ?? [];
  if (links.length === 0) return null;
  if (links.length === 1) {
    const [link] = links;
    return (
      <PanelChrome.TitleItem href={templateSrv.replace(link.url ?? '')} target={link.targetBlank ? '_blank' : undefined} title={link.title}>
        <Icon name="external-link-alt" size="md" />
      </PanelChrome.TitleItem>
    );
  }
  return (
    <Dropdown
      overlay={
        <Menu>
          {links.map((link, i) => (
            <Menu.Item key={i} label={link.title ?? ''} url={templateSrv.replace(link.url ?? '')} target={link.targetBlank ? '_blank' : undefined} />
          ))}
        </Menu>
      }
    >
      <ToolbarButton icon="external-link-alt" iconSize="md" aria-label="Panel links" />
    </Dropdown>
  );
}

const hasRows = (data: PanelData) => data.frames.some((f) => f.length > 0 && f.fields.length > 0);

export function DashboardPage({ dashboard, variables, datasource, templateSrv, range, timeZone, theme, width, onPanel }: Props) {
  const panels = (dashboard.panels ?? []) as Panel[];
  const columnWidth = (width - 2 * PAGE_PADDING - (GRID_COLUMNS - 1) * GRID_CELL_MARGIN) / GRID_COLUMNS;
  const [states, setStates] = React.useState<Record<number, PanelState>>({});
  React.useEffect(() => {
    let cancelled = false;
    (async () => {
      // One panel at a time, so each request the proxy sees belongs to the panel named in its header.
      for (const panel of panels) {
        onPanel(panel.id!);
        let state: PanelState;
        try {
          if (!PANEL_KINDS[panel.type]) throw new Error(`no drawing for panel type '${panel.type}'`);
          state = {
            state: 'done',
            data: await loadPanelData(panel, { datasource, templateSrv, range, timeZone, theme, width: boxOf(panel, columnWidth).width }),
          };
        } catch (error) {
          const e = error as { message?: string; data?: { message?: string; error?: { message?: string } } };
          state = { state: 'error', message: e.data?.error?.message ?? e.data?.message ?? e.message ?? String(error) };
          console.error(`panel ${panel.id} (${panel.title}): ${state.message}`);
        }
        if (cancelled) return;
        setStates((s) => ({ ...s, [panel.id!]: state }));
      }
      onPanel(null);
    })();
    return () => {
      cancelled = true;
    };
    // The page draws one dashboard with one set of variables; it never re-queries.
  }, []);
  const height = Math.max(0, ...panels.map((p) => boxOf(p, columnWidth).top + boxOf(p, columnWidth).height));
  const done = panels.every((p) => states[p.id!] && states[p.id!].state !== 'loading');
  return (
    <div
      style={{ padding: PAGE_PADDING, width, boxSizing: 'border-box', background: theme.colors.background.canvas }}
      data-testid="dashboard"
      data-ready={done ? 'true' : 'false'}
    >
      <header style={{ display: 'flex', alignItems: 'baseline', gap: 16, marginBottom: 12 }}>
        <h1 style={{ margin: 0, fontSize: theme.typography.h3.fontSize }}>{dashboard.title}</h1>
        <span style={{ color: theme.colors.text.secondary }} data-testid="time-range">
          {range.from.toISOString()} to {range.to.toISOString()}
        </span>
      </header>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, marginBottom: 12 }} data-testid="variables">
        {variables.map((v) => (
          <span key={v.label} style={{ display: 'inline-flex', border: `1px solid ${theme.colors.border.medium}`, borderRadius: theme.shape.radius.default }}>
            <span style={{ padding: '4px 8px', background: theme.colors.background.secondary, fontWeight: theme.typography.fontWeightMedium }}>{v.label}</span>
            <span style={{ padding: '4px 8px' }}>{v.text}</span>
          </span>
        ))}
      </div>
      <div style={{ position: 'relative', height }}>
        {panels.map((panel) => {
          const box = boxOf(panel, columnWidth);
          const state = states[panel.id!] ?? { state: 'loading' };
          const View = PANEL_KINDS[panel.type]?.View;
          return (
            <div
              key={panel.id}
              style={{ position: 'absolute', ...box }}
              data-testid="panel"
              data-panel-id={panel.id}
              data-panel-type={panel.type}
              data-state={state.state}
              data-error={state.state === 'error' ? state.message : undefined}
            >
              <PanelChrome
                width={box.width}
                height={box.height}
                title={templateSrv.replace(panel.title ?? '')}
                description={panel.description}
                titleItems={<PanelLinks panel={panel} templateSrv={templateSrv} />}
                statusMessage={state.state === 'error' ? state.message : undefined}
              >
                {(innerWidth, innerHeight) => {
                  if (state.state !== 'done' || !View) return null;
                  if (!hasRows(state.data)) return <div data-testid="no-data">No data</div>;
                  return (
                    <View
                      frames={state.data.frames}
                      options={state.data.options}
                      fieldConfig={state.data.fieldConfig}
                      width={innerWidth}
                      height={innerHeight}
                      timeRange={range}
                      timeZone={timeZone}
                      replaceVariables={(text: string) => templateSrv.replace(text)}
                      theme={theme}
                    />
                  );
                }}
              </PanelChrome>
              {state.state === 'done' && (
                <pre hidden data-testid="panel-csv">
                  {state.data.csv}
                </pre>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
