import type * as Arrow from "apache-arrow";

/**
 * A slice of an Arrow table keeps each dictionary-encoded column's whole dictionary (`tableFromArrays` encodes strings
 * that way): the first 1,000 rows of a million-row table would still carry a million strings. This decodes such
 * columns of a small slice into plain columns, so previews and row windows weigh what their rows weigh.
 *
 * Takes the apache-arrow namespace as an argument: the kernel loads apache-arrow lazily, after it starts.
 */
export function compactDictionaries(table: Arrow.Table, arrow: typeof Arrow): Arrow.Table {
  const fields = table.schema.fields;
  if (!fields.some((f) => arrow.DataType.isDictionary(f.type))) return table;
  const columns: Record<string, Arrow.Vector> = {};
  for (const field of fields) {
    const vector = table.getChild(field.name)!;
    if (arrow.DataType.isDictionary(field.type)) {
      columns[field.name] = arrow.vectorFromArray([...vector] as never[], (field.type as Arrow.Dictionary).dictionary);
    } else {
      columns[field.name] = vector;
    }
  }
  return new arrow.Table(columns);
}
