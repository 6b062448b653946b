using System.CommandLine;
using System.Text.Json;

namespace Obsess.Cli;

/// <summary>Glue shared by the file-in/file-out verbs: JSON settings and clean one-line errors on the verb's error writer.</summary>
internal static class CliFiles
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static readonly JsonSerializerOptions JsonLine = new(Json) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Runs a verb; expected failures (bad files, columns, values) print "obsess: …" and return 1.</summary>
    public static int Run(ParseResult parse, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is CliException or FormatException or ArgumentException or IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or InvalidDataException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"obsess: {e.Message}");
            return 1;
        }
    }

    public static int Fail(ParseResult parse, string message)
    {
        parse.InvocationConfiguration.Error.WriteLine($"obsess: {message}");
        return 1;
    }
}
