using System.Globalization;
using System.Net;
using System.Net.Mail;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Obsess.Features.Invitations;

/// <summary>A personal survey link, issued for one customer, survey and touchpoint.</summary>
public sealed record IssuedLink(Uri Url, DateTime ExpiresAt);

/// <summary>
/// Issues personal survey links. The invitation pipeline needs only this; the surveys feature provides the real
/// single-use, time-limited links behind it.
/// </summary>
public interface ISurveyLinkIssuer
{
    /// <summary>The current workspace's surveys that can be answered, for choosing one in a trigger.</summary>
    Task<IReadOnlyList<(Guid Id, string Name)>> OpenSurveysAsync(CancellationToken ct);

    /// <summary>The survey's name if it exists in the current workspace and can be answered; null otherwise.</summary>
    Task<string?> OpenSurveyNameAsync(Guid surveyId, CancellationToken ct);

    /// <summary>A new link, or null when the survey cannot be answered (closed or deleted since).</summary>
    Task<IssuedLink?> IssueAsync(Guid surveyId, Guid customerId, string touchpoint, string channel, CancellationToken ct);
}

/// <summary>The invitation as the customer reads it, in plain text and HTML.</summary>
public sealed record InvitationMessage(string Subject, string Text, string Html)
{
    // Every script stays readable (names in any language); markup characters are still escaped.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static InvitationMessage Compose(string workspace, string survey, string? customerName, Uri link, DateTime expiresAt)
    {
        var greeting = string.IsNullOrWhiteSpace(customerName) ? "Hello," : $"Hello {customerName.Trim()},";
        var expires = expiresAt.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        var subject = $"{workspace}: how did we do?";
        var text = $"{greeting}\r\n\r\n{workspace} would like to hear how it went. The survey \"{survey}\" takes about a minute:\r\n\r\n{link.AbsoluteUri}\r\n\r\n"
            + $"The link is personal and works once, until {expires}. Please do not forward it.\r\n";
        var h = Encoder;
        var html = $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{h.Encode(subject)}</title></head><body>"
            + $"<p>{h.Encode(greeting)}</p><p>{h.Encode(workspace)} would like to hear how it went. The survey “{h.Encode(survey)}” takes about a minute.</p>"
            + $"<p><a href=\"{h.Encode(link.AbsoluteUri)}\">Answer the survey</a></p>"
            + $"<p>The link is personal and works once, until {h.Encode(expires)}. Please do not forward it.</p></body></html>";
        return new InvitationMessage(subject, text, html);
    }
}

/// <summary>Where and how to send e-mail; the password is already unprotected, in memory only for the send.</summary>
public sealed record SmtpSettings(string Host, int Port, bool StartTls, string From, string? User, string? Password);

/// <summary>
/// Sends an invitation over SMTP with <see cref="SmtpClient"/>: it ships with .NET (no package), speaks EHLO,
/// STARTTLS (EnableSsl) and AUTH, builds the multipart/alternative MIME body, and builds here without warnings. Its
/// limits, accepted for invitations: no implicit TLS on port 465 (STARTTLS on 587 is the norm) and one connection
/// per message, which is fine at survey-invitation volumes.
/// </summary>
public static class SmtpDelivery
{
    public static async Task SendAsync(SmtpSettings settings, string to, string? toName, InvitationMessage message, CancellationToken ct)
    {
        using var mail = new MailMessage
        {
            From = new MailAddress(settings.From),
            Subject = message.Subject,
            SubjectEncoding = Encoding.UTF8,
            HeadersEncoding = Encoding.UTF8,
        };
        mail.To.Add(new MailAddress(to, toName ?? "", Encoding.UTF8));
        // Plain text first, HTML last: clients show the last part they can render.
        mail.AlternateViews.Add(AlternateView.CreateAlternateViewFromString(message.Text, Encoding.UTF8, MediaTypeNames.Text.Plain));
        mail.AlternateViews.Add(AlternateView.CreateAlternateViewFromString(message.Html, Encoding.UTF8, MediaTypeNames.Text.Html));
        using var client = new SmtpClient(settings.Host, settings.Port)
        {
            EnableSsl = settings.StartTls,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            Timeout = 30_000,
        };
        if (!string.IsNullOrEmpty(settings.User))
        {
            client.Credentials = new NetworkCredential(settings.User, settings.Password);
        }

        await client.SendMailAsync(mail, ct).ConfigureAwait(false);
    }
}

/// <summary>
/// Signs outgoing webhooks: <c>X-Obsess-Signature: sha256=&lt;hex HMAC-SHA256(secret, "{timestamp}.{body}")&gt;</c>
/// with the Unix time in <c>X-Obsess-Timestamp</c>. Receivers recompute it over the raw body, compare in constant
/// time, and reject stale timestamps (replays).
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Obsess-Signature";
    public const string TimestampHeader = "X-Obsess-Timestamp";
    public const string DeliveryHeader = "X-Obsess-Delivery";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}"));
        return $"sha256={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>What a receiver does: the signature matches and the timestamp is within <see cref="Tolerance"/> of now.</summary>
    public static bool Verify(string secret, string? timestamp, string? signature, string body, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ts) || signature is null
            || (now - DateTimeOffset.FromUnixTimeSeconds(ts)).Duration() > Tolerance)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, ts, body)), Encoding.ASCII.GetBytes(signature));
    }
}
