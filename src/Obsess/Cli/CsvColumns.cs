using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Obsess.Cli;

/// <summary>A small CSV reader for the model verbs: named columns, and errors that name the file, line and column.</summary>
internal sealed class CsvColumns
{
    private readonly string _file;
    private readonly List<(int Line, string[] Fields)> _rows = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.OrdinalIgnoreCase);

    private CsvColumns(string file) => _file = file;

    public int Count => _rows.Count;

    public static CsvColumns Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: no such file.");
        }

        var csv = new CsvColumns(Path.GetFileName(path));
        using var reader = new StreamReader(path);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = true, BadDataFound = null });
        if (!parser.Read())
        {
            throw new CliException($"{csv._file}: the file is empty.");
        }

        var header = parser.Record!;
        for (var i = 0; i < header.Length; i++)
        {
            csv._index.TryAdd(header[i].Trim().Trim('\uFEFF'), i);
        }

        while (parser.Read())
        {
            if (parser.Record is [""])
            {
                continue;
            }

            csv._rows.Add((parser.RawRow, parser.Record!));
        }

        return csv;
    }

    public int Column(string name, string option) =>
        _index.TryGetValue(name, out var i)
            ? i
            : throw new CliException($"{option}: {_file} has no column '{name}' (its columns: {string.Join(", ", _index.Keys)}).");

    public string Text(int row, int column) => column < _rows[row].Fields.Length ? _rows[row].Fields[column] : "";

    public double Number(int row, int column, string name)
    {
        var text = Text(row, column).Trim();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new CliException($"{_file}: line {_rows[row].Line}: column '{name}': \"{text}\" is not a number.");
    }

    public DateOnly Date(int row, int column, string name)
    {
        var text = Text(row, column).Trim();
        string[] formats = ["yyyyMMdd", "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-dd HH:mm:ss", "yyyy/MM/dd", "M/d/yyyy"];
        if (DateOnly.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return d;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? DateOnly.FromDateTime(t.UtcDateTime)
            : throw new CliException($"{_file}: line {_rows[row].Line}: column '{name}': \"{text}\" is not a date (use yyyy-MM-dd or yyyyMMdd).");
    }
}

/// <summary>A mistake the user can fix: printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
