using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace Obsess.Features.Import;

/// <summary>One input row: its line number in the file and its fields, after column mapping.</summary>
public sealed record RawRow(int Line, IReadOnlyDictionary<string, string?> Fields);

public sealed class ImportFormatException(string message) : Exception(message);

/// <summary>
/// Reads CSV (RFC 4180: header row, quoted fields may hold commas and line breaks) or JSON Lines (one object per
/// line) into rows keyed by field name. <c>--map column=field</c> renames an input column; names are matched
/// case-insensitively and with spaces/dashes read as underscores, so "First Name" finds first_name.
/// </summary>
public static class ImportReader
{
    public static IEnumerable<RawRow> Read(TextReader reader, string format, IReadOnlyDictionary<string, string> map) => format switch
    {
        "csv" => ReadCsv(reader, map),
        "jsonl" => ReadJsonLines(reader, map),
        _ => throw new ImportFormatException($"--format must be csv or jsonl, not '{format}'."),
    };

    public static string Normalize(string column) =>
        column.Trim().Trim('\uFEFF').ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    private static IEnumerable<RawRow> ReadCsv(TextReader reader, IReadOnlyDictionary<string, string> map)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = true, BadDataFound = null, TrimOptions = TrimOptions.None };
        using var parser = new CsvParser(reader, config);
        if (!parser.Read())
        {
            yield break;
        }

        var header = parser.Record!.Select(h => Rename(Normalize(h), map)).ToArray();
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1 && g.Key.Length > 0);
        if (duplicate is not null)
        {
            throw new ImportFormatException($"line 1: the column '{duplicate.Key}' appears twice (after --map).");
        }

        while (parser.Read())
        {
            var record = parser.Record!;
            var line = parser.RawRow;
            if (record.Length == 1 && record[0].Length == 0)
            {
                continue;
            }

            if (record.Length != header.Length)
            {
                throw new ImportFormatException($"line {line}: {record.Length} fields where the header has {header.Length}.");
            }

            var fields = new Dictionary<string, string?>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                if (header[i].Length > 0)
                {
                    fields[header[i]] = record[i].Length == 0 ? null : record[i];
                }
            }

            yield return new RawRow(line, fields);
        }
    }

    private static IEnumerable<RawRow> ReadJsonLines(TextReader reader, IReadOnlyDictionary<string, string> map)
    {
        var lineNumber = 0;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            Dictionary<string, string?> fields;
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new ImportFormatException($"line {lineNumber}: each line must be one JSON object.");
                }

                fields = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    fields[Rename(Normalize(p.Name), map)] = p.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => p.Value.GetString() is { Length: > 0 } s ? s : null,
                        _ => p.Value.GetRawText(),
                    };
                }
            }
            catch (JsonException e)
            {
                throw new ImportFormatException($"line {lineNumber}: not valid JSON ({e.Message}).");
            }

            yield return new RawRow(lineNumber, fields);
        }
    }

    private static string Rename(string column, IReadOnlyDictionary<string, string> map) =>
        map.TryGetValue(column, out var field) ? field : column;

    /// <summary>Parses "--map a=b" arguments; names are normalised the same way as columns.</summary>
    public static Dictionary<string, string> ParseMap(IEnumerable<string> pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == pair.Length - 1)
            {
                throw new ImportFormatException($"--map '{pair}': write it as column=field, e.g. --map \"E-Mail Address=email\".");
            }

            map[Normalize(pair[..eq])] = Normalize(pair[(eq + 1)..]);
        }

        return map;
    }
}
