using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Demo;

public sealed record DemoLoadResult(int Customers, int Identities, int Orders, int Events, TimeSpan Elapsed)
{
    /// <summary>Reviews imported (from customers and from strangers).</summary>
    public int Reviews { get; init; }
}

/// <summary>
/// Loads the demo company into the current workspace, all or nothing, in one transaction; then its reviews go through
/// the review import (<see cref="Feedback.ReviewImportService"/>), itself all or nothing, in a second one, because it
/// matches reviewers against committed customers exactly as an import of a review site's export does.
/// </summary>
public sealed class DemoLoader(ObsessDb db, TimeProvider clock)
{
    public async Task<bool> HasCustomersAsync(CancellationToken ct = default) => await db.Customers.AnyAsync(ct).ConfigureAwait(false);

    /// <param name="progress">Called with a stage name and the fraction done (0..1).</param>
    public async Task<DemoLoadResult> LoadAsync(int customers, int seed, bool replace, Action<string, double>? progress = null, CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var ws = db.CurrentWorkspaceId;
        if (ws == Guid.Empty)
        {
            throw new InvalidOperationException("No current workspace.");
        }

        var region = await db.Workspaces.Where(w => w.Id == ws).Select(w => w.DefaultRegion).FirstAsync(ct).ConfigureAwait(false);
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var options = new DemoOptions { Customers = customers, Seed = seed, End = today };

        var customerRows = new List<Customer>(customers);
        var identityRows = new List<CustomerIdentity>(customers * 3);
        var orderRows = new List<Order>(customers * 6);
        var eventRows = new List<CustomerEvent>(customers * 20);
        var textRows = new List<Texts.CustomerText>(customers / 2);
        var now = clock.GetUtcNow().UtcDateTime;
        var surveys = new DemoSurveys(ws, seed, today, now);
        var reviews = new DemoReviews(seed, today);
        var done = 0;
        foreach (var c in DemoGenerator.Generate(options))
        {
            var id = Guid.CreateVersion7();
            var seen = new HashSet<(string, string, string)>();
            string? email = null, phone = null;
            foreach (var identity in c.Identities)
            {
                var (kind, source, value) = identity.Kind switch
                {
                    IdentityKinds.Email => (IdentityKinds.Email, "", IdentityNormalizer.Email(identity.Raw)),
                    IdentityKinds.Phone => (IdentityKinds.Phone, "", IdentityNormalizer.Phone(identity.Raw, region)),
                    _ => (identity.Kind, identity.Source, identity.Raw.Trim()),
                };
                if (value is null || !seen.Add((kind, source, value)))
                {
                    continue;
                }

                email ??= kind == IdentityKinds.Email ? value : null;
                phone ??= kind == IdentityKinds.Phone ? value : null;
                identityRows.Add(new CustomerIdentity { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = id, Kind = kind, Source = source, Value = value, FirstSeenAt = c.AcquiredAt });
            }

            var firstSeen = c.AcquiredAt;
            var lastSeen = c.AcquiredAt;
            foreach (var o in c.Orders)
            {
                orderRows.Add(new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = id, Source = o.Source, ExternalId = o.ExternalId, Channel = o.Channel, OrderedAt = o.At, Amount = o.Amount, Currency = "USD", Items = o.Items });
                lastSeen = o.At > lastSeen ? o.At : lastSeen;
            }

            var i = 0;
            foreach (var e in c.Events)
            {
                eventRows.Add(new CustomerEvent { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = id, Type = e.Type, Name = e.Name, Source = e.Source, Channel = e.Channel, OccurredAt = e.At, Properties = e.Properties, MessageId = $"demo-{seed}-{c.Number}-{i++}" });
                firstSeen = e.At < firstSeen ? e.At : firstSeen;
                lastSeen = e.At > lastSeen ? e.At : lastSeen;
            }

            foreach (var t in c.Texts)
            {
                textRows.Add(new Texts.CustomerText { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = id, Kind = t.Kind, Channel = t.Channel, Source = DemoGenerator.SupportDesk, ExternalId = $"demo-{seed}-{t.ExternalId}", Body = t.Body, OccurredAt = t.At, CreatedAt = now });
            }

            customerRows.Add(new Customer
            {
                WorkspaceId = ws,
                Id = id,
                Name = c.Name,
                Email = email,
                Phone = phone,
                Traits = JsonSerializer.Serialize(c.Traits),
                Consent = c.Traits.TryGetValue("newsletter", out var subscribed) && subscribed is true
                    ? Consent.Apply("{}", [new("marketing_email", true)], c.AcquiredAt, DemoGenerator.Newsletter)
                    : "{}",
                FirstSeenAt = firstSeen,
                LastSeenAt = lastSeen,
                CreatedAt = now,
                UpdatedAt = now,
            });
            surveys.Add(id, c);
            reviews.Add(email, c);
            if (++done % 1000 == 0)
            {
                progress?.Invoke("Generating", (double)done / customers);
            }
        }

        progress?.Invoke("Generating", 1);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await db.Database.UseTransactionAsync(tx, ct).ConfigureAwait(false);
            await AdvisoryLock.LockCustomersAsync(db, ct).ConfigureAwait(false);
            if (replace)
            {
                await DemoSurveys.RemoveAsync(db, ct).ConfigureAwait(false);
                await DemoReviews.RemoveAsync(db, ct).ConfigureAwait(false);
                await db.TextThemeModels.ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await db.TextThemes.ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await db.Texts.ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await db.Events.ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await db.Orders.ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await db.Identities.ExecuteDeleteAsync(ct).ConfigureAwait(false);
                await db.Customers.ExecuteDeleteAsync(ct).ConfigureAwait(false);
            }
            else if (await db.Customers.AnyAsync(ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException("The workspace already has customers; load the demo with --replace to start over.");
            }

            var total = (double)(customerRows.Count + identityRows.Count + orderRows.Count + eventRows.Count);
            var written = 0;
            void Report(string stage, int n) => progress?.Invoke(stage, (written + n) / total);

            written += await BulkWriter.WriteAsync(connection, tx, "customers", CustomerColumns, customerRows, n => Report("Writing customers", n), ct).ConfigureAwait(false);
            written += await BulkWriter.WriteAsync(connection, tx, "customer_identities", IdentityColumns, identityRows, n => Report("Writing identities", n), ct).ConfigureAwait(false);
            written += await BulkWriter.WriteAsync(connection, tx, "orders", OrderColumns, orderRows, n => Report("Writing orders", n), ct).ConfigureAwait(false);
            await BulkWriter.WriteAsync(connection, tx, "events", EventColumns, eventRows, n => Report("Writing events", n), ct).ConfigureAwait(false);
            await BulkWriter.WriteAsync(connection, tx, "texts", TextColumns, textRows, null, ct).ConfigureAwait(false);
            await surveys.WriteAsync(connection, tx, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            await db.Database.UseTransactionAsync(null, ct).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        // Reviews go through the review import (its own transaction, after the customers are committed, so it matches
        // them by e-mail exactly as an import of a review site's export would). A failure there is a bug in the demo.
        progress?.Invoke("Importing reviews", 1);
        var imported = await new Feedback.ReviewImportService(db, clock).ImportAsync(reviews.Rows(), DemoReviews.ReviewSite, ct: ct).ConfigureAwait(false);
        if (!imported.Succeeded)
        {
            throw new InvalidOperationException($"The demo reviews were refused: {string.Join("; ", imported.Errors.Select(e => $"line {e.Line} {e.Field}: {e.Message}"))}");
        }

        return new DemoLoadResult(customerRows.Count, identityRows.Count, orderRows.Count, eventRows.Count, watch.Elapsed) { Reviews = imported.Imported };
    }

    internal static readonly BulkColumn<Customer>[] CustomerColumns =
    [
        BulkColumn<Customer>.Of("workspace_id", c => c.WorkspaceId), BulkColumn<Customer>.Of("id", c => c.Id), BulkColumn<Customer>.Of("name", c => c.Name),
        BulkColumn<Customer>.Of("email", c => c.Email), BulkColumn<Customer>.Of("phone", c => c.Phone), BulkColumn<Customer>.Of("traits", c => c.Traits),
        BulkColumn<Customer>.Of("consent", c => c.Consent), BulkColumn<Customer>.Of("first_seen_at", c => c.FirstSeenAt), BulkColumn<Customer>.Of("last_seen_at", c => c.LastSeenAt),
        BulkColumn<Customer>.Of("created_at", c => c.CreatedAt), BulkColumn<Customer>.Of("updated_at", c => c.UpdatedAt),
    ];

    internal static readonly BulkColumn<CustomerIdentity>[] IdentityColumns =
    [
        BulkColumn<CustomerIdentity>.Of("workspace_id", i => i.WorkspaceId), BulkColumn<CustomerIdentity>.Of("id", i => i.Id), BulkColumn<CustomerIdentity>.Of("customer_id", i => i.CustomerId),
        BulkColumn<CustomerIdentity>.Of("kind", i => i.Kind), BulkColumn<CustomerIdentity>.Of("source", i => i.Source), BulkColumn<CustomerIdentity>.Of("value", i => i.Value),
        BulkColumn<CustomerIdentity>.Of("first_seen_at", i => i.FirstSeenAt),
    ];

    internal static readonly BulkColumn<Order>[] OrderColumns =
    [
        BulkColumn<Order>.Of("workspace_id", o => o.WorkspaceId), BulkColumn<Order>.Of("id", o => o.Id), BulkColumn<Order>.Of("customer_id", o => o.CustomerId),
        BulkColumn<Order>.Of("source", o => o.Source), BulkColumn<Order>.Of("external_id", o => o.ExternalId), BulkColumn<Order>.Of("channel", o => o.Channel),
        BulkColumn<Order>.Of("ordered_at", o => o.OrderedAt), BulkColumn<Order>.Of("amount", o => o.Amount), BulkColumn<Order>.Of("currency", o => o.Currency),
        BulkColumn<Order>.Of("items", o => o.Items),
    ];

    internal static readonly BulkColumn<Texts.CustomerText>[] TextColumns =
    [
        new("workspace_id", t => t.WorkspaceId), new("id", t => t.Id), new("customer_id", t => t.CustomerId), new("kind", t => t.Kind),
        new("channel", t => t.Channel), new("source", t => t.Source), new("external_id", t => t.ExternalId), new("body", t => t.Body),
        new("occurred_at", t => t.OccurredAt), new("created_at", t => t.CreatedAt),
    ];

    internal static readonly BulkColumn<CustomerEvent>[] EventColumns =
    [
        BulkColumn<CustomerEvent>.Of("workspace_id", e => e.WorkspaceId), BulkColumn<CustomerEvent>.Of("id", e => e.Id), BulkColumn<CustomerEvent>.Of("customer_id", e => e.CustomerId),
        BulkColumn<CustomerEvent>.Of("type", e => e.Type), BulkColumn<CustomerEvent>.Of("name", e => e.Name), BulkColumn<CustomerEvent>.Of("source", e => e.Source),
        BulkColumn<CustomerEvent>.Of("channel", e => e.Channel), BulkColumn<CustomerEvent>.Of("occurred_at", e => e.OccurredAt), BulkColumn<CustomerEvent>.Of("properties", e => e.Properties),
        BulkColumn<CustomerEvent>.Of("message_id", e => e.MessageId),
    ];
}
