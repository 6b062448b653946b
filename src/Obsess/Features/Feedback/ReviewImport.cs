using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Customers;
using Obsess.Features.Import;
using Obsess.Features.Texts;

namespace Obsess.Features.Feedback;

/// <summary>A validated review: what was said, and who may have said it.</summary>
public sealed record ReviewRow
{
    public required int Line { get; init; }

    public required string Source { get; init; }

    public required string ExternalId { get; init; }

    public required double Rating { get; init; }

    public required double ScaleMax { get; init; }

    public string? Text { get; init; }

    public required DateTime OccurredAt { get; init; }

    /// <summary>Identities to match an existing customer by, most specific first (external id, e-mail, phone).</summary>
    public required IReadOnlyList<IdentityKey> Identities { get; init; }

    public string? Product { get; init; }

    public string? Channel { get; init; }

    public string? Language { get; init; }
}

public sealed record ReviewImportResult(int Rows, int Imported, int Skipped, int Matched, IReadOnlyList<ImportError> Errors, int ErrorCount, TimeSpan Elapsed)
{
    public bool Succeeded => ErrorCount == 0;
}

/// <summary>
/// Turns raw review rows (CSV columns, JSON Lines or API items, field names in snake_case) into <see cref="ReviewRow"/>s,
/// naming the line (or item) and field of every problem.
/// </summary>
public static class ReviewRows
{
    public const double DefaultScaleMax = 5;

    private static readonly string[] RatingFields = ["rating", "stars", "score"];
    private static readonly string[] TextFields = ["text", "body", "review", "comment"];
    private static readonly string[] DateFields = ["date", "occurred_at", "timestamp", "created_at"];
    private static readonly string[] IdFields = ["external_id", "review_id", "id"];

    public static (ReviewRow? Row, List<ImportError> Errors) Validate(RawRow raw, string defaultSource, string region)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var errors = new List<ImportError>();
        string? Get(string name) => raw.Fields.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        (string Field, string? Value) First(string[] names) => names.Select(n => (n, Get(n))).FirstOrDefault(p => p.Item2 is not null, (names[0], null));
        void Error(string field, string message) => errors.Add(new ImportError(raw.Line, field, message));

        var source = Get("source") ?? defaultSource;
        if (source.Length > 64)
        {
            Error("source", "A source is at most 64 characters.");
        }

        var scaleMax = DefaultScaleMax;
        if (Get("scale_max") is { } rawMax)
        {
            if (!double.TryParse(rawMax, NumberStyles.Float, CultureInfo.InvariantCulture, out scaleMax) || !double.IsFinite(scaleMax) || scaleMax < 2 || scaleMax > 100)
            {
                Error("scale_max", $"\"{rawMax}\" is not a scale maximum between 2 and 100.");
                scaleMax = DefaultScaleMax;
            }
        }

        var (ratingField, rawRating) = First(RatingFields);
        double rating = 0;
        if (rawRating is null)
        {
            Error("rating", "A review needs a rating.");
        }
        else if (!double.TryParse(rawRating, NumberStyles.Float, CultureInfo.InvariantCulture, out rating) || !double.IsFinite(rating))
        {
            Error(ratingField, $"\"{rawRating}\" is not a number.");
        }
        else if (rating < 0 || rating > scaleMax)
        {
            Error(ratingField, $"{rating.ToString(CultureInfo.InvariantCulture)} is outside the scale 0–{scaleMax.ToString(CultureInfo.InvariantCulture)} (set scale_max for another scale).");
        }

        var (textField, text) = First(TextFields);
        if (text is { Length: > CustomerText.MaxBodyLength })
        {
            Error(textField, $"A review's text is at most {CustomerText.MaxBodyLength:N0} characters.");
        }

        var (dateField, rawDate) = First(DateFields);
        DateTime occurredAt = default;
        if (rawDate is null)
        {
            Error("date", "A review needs a date.");
        }
        else if (!DateTimeOffset.TryParse(rawDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            Error(dateField, $"\"{rawDate}\" is not a date (use ISO 8601, e.g. 2026-03-14 or 2026-03-14T09:30:00Z).");
        }
        else
        {
            occurredAt = at.UtcDateTime;
        }

        var identities = new List<IdentityKey>();
        if (Get("customer_id") is { } customerId)
        {
            if (IdentityNormalizer.IsBogus(customerId))
            {
                Error("customer_id", $"\"{customerId}\" is a placeholder, not an id.");
            }
            else if (Get("customer_source") is { } customerSource)
            {
                identities.Add(new IdentityKey(IdentityKinds.External, customerSource, customerId));
            }
            else
            {
                Error("customer_source", "Say which system customer_id comes from (the source its customers were imported with).");
            }
        }

        if (Get("email") is { } rawEmail && !IdentityNormalizer.IsBogus(rawEmail))
        {
            if (IdentityNormalizer.Email(rawEmail) is { } email)
            {
                identities.Add(new IdentityKey(IdentityKinds.Email, "", email));
            }
            else
            {
                Error("email", $"\"{rawEmail}\" is not an e-mail address.");
            }
        }

        if (Get("phone") is { } rawPhone && !IdentityNormalizer.IsBogus(rawPhone))
        {
            if (IdentityNormalizer.Phone(rawPhone, region) is { } phone)
            {
                identities.Add(new IdentityKey(IdentityKinds.Phone, "", phone));
            }
            else
            {
                Error("phone", $"\"{rawPhone}\" is not a phone number (E.164, or a national number of region {region}).");
            }
        }

        var product = Get("product");
        if (product is { Length: > 200 })
        {
            Error("product", "A product is at most 200 characters.");
        }

        var channel = Get("channel");
        if (channel is { Length: > 32 })
        {
            Error("channel", "A channel is at most 32 characters.");
        }

        var language = Get("language");
        if (language is { Length: > 8 })
        {
            Error("language", "A language is an ISO 639-1 code such as \"en\".");
        }

        var (idField, externalId) = First(IdFields);
        if (externalId is { Length: > 128 })
        {
            Error(idField, "An external id is at most 128 characters.");
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        // Without the site's own id, the review's content is its identity, so re-importing the same file still adds nothing.
        externalId ??= "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(
            '\u001f', occurredAt.ToString("O", CultureInfo.InvariantCulture), rating.ToString("R", CultureInfo.InvariantCulture), text ?? "", string.Join(',', identities)))))[..40];
        return (new ReviewRow
        {
            Line = raw.Line,
            Source = source,
            ExternalId = externalId,
            Rating = rating,
            ScaleMax = scaleMax,
            Text = text,
            OccurredAt = occurredAt,
            Identities = identities,
            Product = product,
            Channel = channel,
            Language = language,
        }, errors);
    }
}

/// <summary>
/// Imports reviews all or nothing: every row is validated first and one bad row means nothing is written. Each review
/// becomes a feedback record (kind review, metric rating) and, when it has words, a <c>texts</c> row (kind review) for
/// the text engine. A review is tied to an existing customer when one of its identities (normalised as by the customer
/// hub) is known; reviews never create customers. Re-importing changes nothing: reviews are keyed by (source, external id).
/// </summary>
public sealed class ReviewImportService(ObsessDb db, TimeProvider clock)
{
    public const int MaxErrorsShown = ImportService.MaxErrorsShown;

    public async Task<ReviewImportResult> ImportAsync(IEnumerable<RawRow> rows, string defaultSource, Action<string, double>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var watch = Stopwatch.StartNew();
        var ws = db.CurrentWorkspaceId;
        var workspace = await db.Workspaces.AsNoTracking().FirstAsync(w => w.Id == ws, ct).ConfigureAwait(false);
        var valid = new List<ReviewRow>();
        var errors = new List<ImportError>();
        var errorCount = 0;
        var read = 0;
        var seen = new HashSet<(string, string)>();
        foreach (var raw in rows)
        {
            read++;
            var (row, rowErrors) = ReviewRows.Validate(raw, defaultSource, workspace.DefaultRegion);
            if (row is not null && !seen.Add((row.Source, row.ExternalId)))
            {
                rowErrors.Add(new ImportError(raw.Line, "external_id", $"the same review (source '{row.Source}', id '{row.ExternalId}') is given twice."));
                row = null;
            }

            if (row is not null)
            {
                valid.Add(row);
            }

            errorCount += rowErrors.Count;
            errors.AddRange(rowErrors.Take(Math.Max(0, MaxErrorsShown - errors.Count)));
        }

        if (errorCount > 0)
        {
            return new ReviewImportResult(read, 0, 0, 0, errors, errorCount, watch.Elapsed);
        }

        progress?.Invoke("Matching", 0.2);
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await AdvisoryLock.LockCustomersAsync(db, ct).ConfigureAwait(false);

        var known = new HashSet<(string, string)>();
        foreach (var bySource in valid.GroupBy(r => r.Source))
        {
            foreach (var chunk in bySource.Select(r => r.ExternalId).Chunk(1000))
            {
                var source = bySource.Key;
                foreach (var id in await db.Feedback.AsNoTracking().Where(f => f.Source == source && chunk.Contains(f.ExternalId!))
                             .Select(f => f.ExternalId!).ToListAsync(ct).ConfigureAwait(false))
                {
                    known.Add((source, id));
                }
            }
        }

        var fresh = valid.Where(r => !known.Contains((r.Source, r.ExternalId))).ToList();
        var holders = new Dictionary<IdentityKey, Guid>();
        foreach (var chunk in fresh.SelectMany(r => r.Identities).Select(i => i.Value).Distinct(StringComparer.Ordinal).Chunk(1000))
        {
            foreach (var i in await db.Identities.AsNoTracking().Where(i => chunk.Contains(i.Value))
                         .Select(i => new { i.Kind, i.Source, i.Value, i.CustomerId }).ToListAsync(ct).ConfigureAwait(false))
            {
                holders[new IdentityKey(i.Kind, i.Source, i.Value)] = i.CustomerId;
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var matched = 0;
        var done = 0;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var row in fresh)
            {
                Guid? customer = row.Identities.Where(holders.ContainsKey).Select(i => (Guid?)holders[i]).FirstOrDefault();
                matched += customer is null ? 0 : 1;
                Guid? textId = null;
                if (row.Text is { } body)
                {
                    textId = Guid.CreateVersion7();
                    db.Texts.Add(new CustomerText
                    {
                        WorkspaceId = ws,
                        Id = textId.Value,
                        CustomerId = customer,
                        Kind = TextKinds.Review,
                        Channel = row.Channel,
                        Source = row.Source,
                        ExternalId = row.ExternalId,
                        Body = body,
                        OccurredAt = row.OccurredAt,
                        CreatedAt = now,
                    });
                }

                db.Feedback.Add(new FeedbackRecord
                {
                    WorkspaceId = ws,
                    Id = Guid.CreateVersion7(),
                    CustomerId = customer,
                    Kind = FeedbackKinds.Review,
                    Source = row.Source,
                    ExternalId = row.ExternalId,
                    Metric = FeedbackMetrics.Rating,
                    Score = row.Rating,
                    ScaleMax = row.ScaleMax,
                    TextId = textId,
                    Channel = row.Channel,
                    Product = row.Product,
                    Language = row.Language,
                    OccurredAt = row.OccurredAt,
                    CreatedAt = now,
                });

                if (++done % 2000 == 0)
                {
                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                    db.ChangeTracker.Clear();
                    progress?.Invoke("Writing", 0.2 + 0.8 * done / fresh.Count);
                }
            }

            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            // Nothing half-written stays tracked on this (request-scoped) context, and it detects changes again.
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = true;
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        progress?.Invoke("Imported", 1);
        return new ReviewImportResult(read, fresh.Count, valid.Count - fresh.Count, matched, [], 0, watch.Elapsed);
    }
}
