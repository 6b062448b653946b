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

/// <summary>What the store knows about a customer that a stated identity already belongs to: every identity they hold.</summary>
public sealed record KnownCustomer(Guid Id, DateTime CreatedAt, IReadOnlyCollection<IdentityKey> Identities)
{
    public IEnumerable<string> Emails => Identities.Where(i => i.Kind == IdentityKinds.Email).Select(i => i.Value);
}

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
/// Shared devices: a customer matched only through an anonymous id is not this message's person when the
/// message names a different user id of the same source, or a different e-mail, than that customer holds; the
/// anonymous id is then refused and the message's person is resolved without it.
///    Guard (as PostHog's "already identified" rule): two customers that each hold a different e-mail are two
///    people who share a device or a phone far more often than one person with two addresses, so they are not
///    merged unless the sender forces it; the message then goes to the customer named by its strongest identity
///    and the identities of the others are refused, with the reason.
/// </summary>
public static class IdentityResolution
{
    /// <summary>
    /// The customers whose held identities <see cref="Decide"/> will read for this message: every holder when the
    /// stated identities name more than one customer (the e-mail guard), and a holder met only through anonymous ids
    /// (the shared-device guard). For any other holder the decision does not depend on what else it holds, so a
    /// caller resolving many messages can skip loading those identities.
    /// </summary>
    public static IReadOnlyCollection<Guid> NeedsIdentities(IReadOnlyList<IdentityKey> stated, IReadOnlyDictionary<IdentityKey, Guid> holders)
    {
        var named = new Dictionary<Guid, bool>(); // holder → met only through anonymous ids
        foreach (var identity in stated)
        {
            if (holders.TryGetValue(identity, out var holder))
            {
                named[holder] = named.GetValueOrDefault(holder, true) && identity.Kind == IdentityKinds.Anonymous;
            }
        }

        return named.Count > 1 ? named.Keys : named.Where(n => n.Value).Select(n => n.Key).ToList();
    }

    /// <summary>
    /// <see cref="Decide"/>'s answer when it is already known from the stated identities alone: every one is held, all
    /// by one customer, and not only through anonymous ids. Then rule 2 gives that customer with nothing to attach,
    /// merge or refuse (the shared-device guard looks only at a holder met through anonymous ids alone), so a caller
    /// resolving a large import need not load the holder to build <see cref="Decide"/>'s inputs. Null otherwise.
    /// </summary>
    public static Guid? SoleHolder(IReadOnlyList<IdentityKey> stated, IReadOnlyDictionary<IdentityKey, Guid> holders)
    {
        Guid? sole = null;
        var strong = false;
        foreach (var identity in stated)
        {
            if (!holders.TryGetValue(identity, out var holder) || sole is { } other && other != holder)
            {
                return null;
            }

            sole = holder;
            strong |= identity.Kind != IdentityKinds.Anonymous;
        }

        return strong ? sole : null;
    }

    public static ResolutionDecision Decide(
        IReadOnlyList<IdentityKey> stated,
        IReadOnlyDictionary<IdentityKey, Guid> holders,
        IReadOnlyDictionary<Guid, KnownCustomer> customers,
        bool forceMerge = false)
    {
        var unknown = stated.Where(i => !holders.ContainsKey(i)).Distinct().ToList();
        var refused = new List<(IdentityKey, string)>();
        var known = new List<IdentityKey>();
        foreach (var identity in stated.Where(holders.ContainsKey).Distinct())
        {
            var holder = customers[holders[identity]];
            var weakOnly = stated.Where(i => holders.TryGetValue(i, out var h) && h == holder.Id).All(i => i.Kind == IdentityKinds.Anonymous);
            if (!forceMerge && weakOnly && OtherPerson(stated, holder) is { } reason)
            {
                refused.Add((identity, reason));
            }
            else
            {
                known.Add(identity);
            }
        }

        if (known.Count == 0)
        {
            return new ResolutionDecision { CustomerId = null, Attach = unknown, MergeIntoSurvivor = [], Refused = refused };
        }

        var candidates = known.Select(i => holders[i]).Distinct().ToList();
        if (candidates.Count == 1)
        {
            return new ResolutionDecision { CustomerId = candidates[0], Attach = unknown, MergeIntoSurvivor = [], Refused = refused };
        }

        // The anchor is the customer named by the strongest stated identity (ties: the oldest customer).
        var anchor = known.OrderByDescending(i => i.Strength)
            .ThenBy(i => customers[holders[i]].CreatedAt).ThenBy(i => holders[i])
            .Select(i => holders[i]).First();
        var mergeable = new List<Guid> { anchor };
        var emails = new HashSet<string>(customers[anchor].Emails, StringComparer.Ordinal);
        foreach (var other in candidates.Where(c => c != anchor).OrderBy(c => customers[c].CreatedAt).ThenBy(c => c))
        {
            var theirs = customers[other].Emails;
            var conflict = !forceMerge && emails.Count > 0 && theirs.Any() && !theirs.Any(emails.Contains);
            if (conflict)
            {
                refused.AddRange(known.Where(i => holders[i] == other)
                    .Select(i => (i, $"belongs to another customer with a different e-mail; not merged without force")));
                continue;
            }

            mergeable.Add(other);
            emails.UnionWith(theirs);
        }

        return Finish(known, holders, customers, unknown, mergeable, refused);
    }

    /// <summary>Why a customer met only through a device id is someone else, or null when nothing says so.</summary>
    private static string? OtherPerson(IReadOnlyList<IdentityKey> stated, KnownCustomer holder)
    {
        foreach (var external in stated.Where(i => i.Kind == IdentityKinds.External))
        {
            var theirs = holder.Identities.Where(i => i.Kind == IdentityKinds.External && i.Source == external.Source).ToList();
            if (theirs.Count > 0 && !theirs.Contains(external))
            {
                return "the device belongs to a customer with another user id of this source; not merged without force";
            }
        }

        var emails = holder.Emails.ToList();
        var statedEmails = stated.Where(i => i.Kind == IdentityKinds.Email).Select(i => i.Value).ToList();
        return emails.Count > 0 && statedEmails.Count > 0 && !statedEmails.Any(emails.Contains)
            ? "the device belongs to a customer with another e-mail; not merged without force"
            : null;
    }

    private static ResolutionDecision Finish(
        List<IdentityKey> known,
        IReadOnlyDictionary<IdentityKey, Guid> holders,
        IReadOnlyDictionary<Guid, KnownCustomer> customers,
        List<IdentityKey> unknown,
        List<Guid> mergeable,
        List<(IdentityKey, string)> refused)
    {
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
