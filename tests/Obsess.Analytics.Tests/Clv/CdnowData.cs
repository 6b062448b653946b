using System.Globalization;

namespace Obsess.Analytics.Tests.Clv;

/// <summary>Reads the CLV reference files from ../shared/data/clv at run time.</summary>
internal static class CdnowData
{
    /// <summary>Columns of a headed CSV file, by header name, as doubles.</summary>
    public static Dictionary<string, double[]> ReadCsv(string relative)
    {
        var lines = File.ReadAllLines(SharedData.PathOf(relative)).Where(l => l.Length > 0).ToArray();
        var header = lines[0].Split(',');
        var columns = header.ToDictionary(h => h, _ => new double[lines.Length - 1], StringComparer.Ordinal);
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            for (var j = 0; j < header.Length; j++)
            {
                columns[header[j]][i - 1] = double.Parse(cells[j], CultureInfo.InvariantCulture);
            }
        }

        return columns;
    }
}
