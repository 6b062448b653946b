namespace Obsess.Features.Customers;

/// <summary>An identity as a message states it, already normalised.</summary>
public sealed record IdentityKey(string Kind, string Source, string Value)
{
    /// <summary>How strongly an identity names one person: a sender's own user id beats an e-mail, which beats a phone and an anonymous id.</summary>
    public int Strength => Kind switch
    {
        IdentityKinds.External => 4,
        IdentityKinds.Email => 3,
        IdentityKinds.Phone => 2,
        _ => 1,
    };
}

/// <summary>What the store knows about a customer that a stated identity already belongs to.</summary>
public sealed record KnownCustomer(Guid Id, DateTime CreatedAt, IReadOnlyCollection<string> Emails);

/// <summary>The decision for one message: which customer it belongs to, what to add, what to merge, what to refuse.</summary>
public sealed record ResolutionDecision
{
    /// <summary>The customer the message is about; null when a new customer must be created.</summary>
    public Guid? CustomerId { get; init; }

    /// <summary>Identities to attach to that customer (those no customer holds yet).</summary>
    public required IReadOnlyList<IdentityKey> Attach { get; init; }

    /// <summary>Customers to merge into <see cref="CustomerId"/>, the oldest surviving.</summary>
    public required IReadOnlyList<Guid> MergeIntoSurvivor { get; init; }

    /// <summary>Identities that point at another customer whom the guard would not merge, with the reason.</summary>
    public required IReadOnlyList<(IdentityKey Identity, string Reason)> Refused { get; init; }

    public string? MergeCause { get; init; }
}

/// <summary>
/// Deterministic identity resolution, as a pure decision (Wolverine style): given the identities a message states
/// and who already holds them, say what should happen. The rules:
/// 1. No stated identity is known: a new customer.
/// 2. All known ones belong to one customer: the message is theirs; unknown identities are attached.
/// 3. They belong to several customers: the message links them, so they merge into the oldest (survivor).
///    Guard (as PostHog's "already identified" rule): two customers that each hold a different e-mail are two
///    people who share a device or a phone far more often than one person with two addresses, so they are not
///    merged unless the sender forces it; the message then goes to the customer named by its strongest identity
///    and the identities of the others are refused, with the reason.
/// </summary>
public static class IdentityResolution
{
    public static ResolutionDecision Decide(
        IReadOnlyList<IdentityKey> stated,
        IReadOnlyDictionary<IdentityKey, Guid> holders,
        IReadOnlyDictionary<Guid, KnownCustomer> customers,
        bool forceMerge = false)
    {
        var known = stated.Where(holders.ContainsKey).ToList();
        var unknown = stated.Where(i => !holders.ContainsKey(i)).Distinct().ToList();
        if (known.Count == 0)
        {
            return new ResolutionDecision { CustomerId = null, Attach = unknown, MergeIntoSurvivor = [], Refused = [] };
        }

        var candidates = known.Select(i => holders[i]).Distinct().ToList();
        if (candidates.Count == 1)
        {
            return new ResolutionDecision { CustomerId = candidates[0], Attach = unknown, MergeIntoSurvivor = [], Refused = [] };
        }

        // The anchor is the customer named by the strongest stated identity (ties: the oldest customer).
        var anchor = known.OrderByDescending(i => i.Strength)
            .ThenBy(i => customers[holders[i]].CreatedAt).ThenBy(i => holders[i])
            .Select(i => holders[i]).First();
        var mergeable = new List<Guid> { anchor };
        var refused = new List<(IdentityKey, string)>();
        var emails = new HashSet<string>(customers[anchor].Emails, StringComparer.Ordinal);
        foreach (var other in candidates.Where(c => c != anchor).OrderBy(c => customers[c].CreatedAt).ThenBy(c => c))
        {
            var theirs = customers[other].Emails;
            var conflict = !forceMerge && emails.Count > 0 && theirs.Count > 0 && !theirs.Any(emails.Contains);
            if (conflict)
            {
                refused.AddRange(known.Where(i => holders[i] == other)
                    .Select(i => (i, $"belongs to another customer with a different e-mail; not merged without force")));
                continue;
            }

            mergeable.Add(other);
            emails.UnionWith(theirs);
        }

        var survivor = mergeable.OrderBy(c => customers[c].CreatedAt).ThenBy(c => c).First();
        var cause = mergeable.Count > 1
            ? "linked by " + string.Join(", ", known.Where(i => mergeable.Contains(holders[i]) && holders[i] != survivor).Select(i => $"{i.Kind}:{i.Value}").Distinct())
            : null;
        return new ResolutionDecision
        {
            CustomerId = survivor,
            Attach = unknown,
            MergeIntoSurvivor = mergeable.Where(c => c != survivor).ToList(),
            Refused = refused,
            MergeCause = cause,
        };
    }
}
