using System.Text;

namespace Obsess.Tests.Infrastructure;

/// <summary>Request helpers every HTTP test uses (imported statically for the whole test project).</summary>
public static class TestHttp
{
    /// <summary>A path relative to the test server's base address.</summary>
    public static Uri Url(string path) => new(path, UriKind.Relative);

    /// <summary>A JSON body sent as written, for requests a typed object cannot express (malformed, extra fields).</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
