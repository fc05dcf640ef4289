/**
 * The registries Grafana's app fills at start and @grafana/data's functions read: the standard transformers
 * (transformDataFrame looks each transformation up here) and the standard field options (applyFieldOverrides and
 * getPanelOptionsWithDefaults walk them). The entries are @grafana/data's own transformers and override
 * processors; only the editors, which the app supplies and a picture never opens, are left out.
 */
import {
  booleanOverrideProcessor,
  dataLinksOverrideProcessor,
  displayNameOverrideProcessor,
  FieldType,
  identityOverrideProcessor,
  numberOverrideProcessor,
  standardFieldConfigEditorRegistry,
  standardTransformers,
  standardTransformersRegistry,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  ThresholdsMode,
  valueMappingsOverrideProcessor,
  type Field,
  type FieldConfigPropertyItem,
  type TransformerRegistryItem,
} from '@grafana/data';

const NO_EDITOR = () => null;
const isNumeric = (field: Field) => field.type === FieldType.number;
const always = () => true;

/**
 * Grafana's standard field options (public/app/features/panel/state/getAllStandardFieldConfigs.ts): id and path,
 * the processor that reads a default or override value, which fields it applies to, and its default.
 */
const STANDARD_FIELD_OPTIONS: ReadonlyArray<Pick<FieldConfigPropertyItem, 'id' | 'path' | 'process' | 'shouldApply' | 'defaultValue'>> = [
  { id: 'displayName', path: 'displayName', process: displayNameOverrideProcessor, shouldApply: always },
  { id: 'unit', path: 'unit', process: stringOverrideProcessor, shouldApply: isNumeric },
  { id: 'fieldMinMax', path: 'fieldMinMax', process: booleanOverrideProcessor, shouldApply: isNumeric },
  { id: 'min', path: 'min', process: numberOverrideProcessor, shouldApply: isNumeric },
  { id: 'max', path: 'max', process: numberOverrideProcessor, shouldApply: isNumeric },
  { id: 'decimals', path: 'decimals', process: numberOverrideProcessor, shouldApply: isNumeric },
  { id: 'noValue', path: 'noValue', process: stringOverrideProcessor, shouldApply: always },
  { id: 'links', path: 'links', process: dataLinksOverrideProcessor, shouldApply: always },
  { id: 'mappings', path: 'mappings', process: valueMappingsOverrideProcessor, shouldApply: always, defaultValue: [] },
  {
    id: 'thresholds',
    path: 'thresholds',
    process: thresholdsOverrideProcessor,
    shouldApply: always,
    defaultValue: {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'green' },
        { value: 80, color: 'red' },
      ],
    },
  },
  { id: 'color', path: 'color', process: identityOverrideProcessor, shouldApply: always, defaultValue: { mode: 'thresholds' } },
  { id: 'filterable', path: 'filterable', process: booleanOverrideProcessor, shouldApply: always },
];

/**
 * A registry item's `transformation` is the transformer itself up to @grafana/data 13.1 and a loader returning a
 * promise of it from 13.2: a loader function that also carries the transformer's properties serves both.
 */
function bothShapes<T extends object>(transformer: T): T & (() => Promise<T>) {
  const loader = () => Promise.resolve(transformer);
  for (const [key, value] of Object.entries(transformer)) Object.defineProperty(loader, key, { value, enumerable: true, configurable: true });
  return loader as T & (() => Promise<T>);
}

let registered = false;

/** Fills both registries once per page. */
export function registerGrafanaStandards(): void {
  if (registered) return;
  registered = true;
  // Some transformers are listed under two names: each id once.
  const transformers = [...new Map(Object.values(standardTransformers).map((t) => [t.id, t])).values()];
  standardTransformersRegistry.setInit(() =>
    transformers.map((t) => ({ id: t.id, name: t.name, transformation: bothShapes(t), editor: NO_EDITOR }) as unknown as TransformerRegistryItem),
  );
  standardFieldConfigEditorRegistry.setInit(() =>
    STANDARD_FIELD_OPTIONS.map((o) => ({ ...o, name: o.id, editor: NO_EDITOR, override: NO_EDITOR }) as unknown as FieldConfigPropertyItem),
  );
}
