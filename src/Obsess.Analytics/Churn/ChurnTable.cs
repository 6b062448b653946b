using System.Text;

namespace Obsess.Analytics.Churn;

/// <summary>
/// A customer table of string cells: one header and rows of equal width. Cells are kept as read; typing
/// (numeric, categorical, identifier, text) is decided later, from training rows only.
/// </summary>
public sealed class ChurnTable
{
    private readonly string[] _header;
    private readonly string[][] _rows;

    public ChurnTable(string[] header, IReadOnlyList<string[]> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        if (header.Length == 0)
        {
            throw new ArgumentException("The table has no columns: the header is empty.", nameof(header));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var c = 0; c < header.Length; c++)
        {
            var name = header[c] ?? throw new ArgumentException($"Header column {c + 1} is null.", nameof(header));
            if (!seen.Add(name.Trim()))
            {
                throw new ArgumentException($"Header column {c + 1} ('{name}') is a duplicate column name.", nameof(header));
            }
        }

        _header = header.Select(h => h.Trim()).ToArray();
        _rows = new string[rows.Count][];
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r] ?? throw new ArgumentException($"Row {r + 1} is null.", nameof(rows));
            if (row.Length != header.Length)
            {
                throw new ArgumentException(
                    $"Row {r + 1} has {row.Length} cells but the header has {header.Length} columns.", nameof(rows));
            }

            _rows[r] = row.Select(v => v ?? string.Empty).ToArray();
        }
    }

    public IReadOnlyList<string> Header => _header;

    public int RowCount => _rows.Length;

    public int ColumnCount => _header.Length;

    public string this[int row, int column] => _rows[row][column];

    /// <summary>The index of a column by exact (then case-insensitive) name, or -1.</summary>
    public int IndexOf(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var name = column.Trim();
        var exact = Array.IndexOf(_header, name);
        if (exact >= 0)
        {
            return exact;
        }

        return Array.FindIndex(_header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The rows at the given indices, as a new table with the same header.</summary>
    public ChurnTable Subset(IReadOnlyList<int> rowIndices)
    {
        ArgumentNullException.ThrowIfNull(rowIndices);
        var rows = new string[rowIndices.Count][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = _rows[rowIndices[i]];
        }

        return new ChurnTable(_header, rows);
    }

    /// <summary>Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF); the first record is the header.</summary>
    public static ChurnTable Parse(TextReader csv, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(csv);
        var records = new List<string[]>();
        var field = new StringBuilder();
        var record = new List<string>();
        var inQuotes = false;
        var line = 1;
        var recordLine = 1;
        var anyInRecord = false;
        int ch;
        while ((ch = csv.Read()) != -1)
        {
            var c = (char)ch;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (csv.Peek() == '"')
                    {
                        csv.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            if (c == '"' && field.Length == 0)
            {
                inQuotes = true;
                anyInRecord = true;
            }
            else if (c == separator)
            {
                record.Add(field.ToString());
                field.Clear();
                anyInRecord = true;
            }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && csv.Peek() == '\n')
                {
                    csv.Read();
                }

                if (anyInRecord || field.Length > 0)
                {
                    record.Add(field.ToString());
                    records.Add(CheckWidth(record, records, recordLine));
                }

                field.Clear();
                record.Clear();
                anyInRecord = false;
                line++;
                recordLine = line;
            }
            else
            {
                field.Append(c);
                anyInRecord = true;
            }
        }

        if (inQuotes)
        {
            throw new FormatException($"CSV record starting on line {recordLine} has an unterminated quoted field.");
        }

        if (anyInRecord || field.Length > 0)
        {
            record.Add(field.ToString());
            records.Add(CheckWidth(record, records, recordLine));
        }

        if (records.Count == 0)
        {
            throw new FormatException("The CSV is empty: expected a header line.");
        }

        return new ChurnTable(records[0], records.Skip(1).ToList());
    }

    private static string[] CheckWidth(List<string> record, List<string[]> records, int line)
    {
        if (records.Count > 0 && record.Count != records[0].Length)
        {
            throw new FormatException(
                $"CSV line {line} has {record.Count} fields but the header has {records[0].Length}.");
        }

        return record.ToArray();
    }
}
