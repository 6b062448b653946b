using System.Net;
using System.Text.Json;

namespace Obsess.Tests.Infrastructure;

public static class ProblemAssert
{
    /// <summary>Asserts an RFC 9457 Problem Details response with this status, and returns its body.</summary>
    public static async Task<JsonDocument> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        var doc = JsonDocument.Parse(text);
        doc.RootElement.GetProperty("status").GetInt32().ShouldBe((int)status);
        doc.RootElement.TryGetProperty("title", out _).ShouldBeTrue(text);
        return doc;
    }

    /// <summary>The field names a validation problem's "errors" object names, sorted.</summary>
    public static string[] ErrorFields(JsonDocument problem) =>
        [.. problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
}
