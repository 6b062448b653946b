using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Feedback;
using Obsess.Features.Import;
using Obsess.Features.Texts;

namespace Obsess.Features.Demo;

/// <summary>
/// Reviews of the demo company from a review site and the shop's product pages: mostly from its customers (found by
/// their e-mail, as an imported review would be), some from people the company does not know (an unknown e-mail or no
/// identity at all). Ratings follow the J shape real review sites show (many fives, a bump at one star), worse for
/// customers who stopped buying. The wording is our own. Built from its own seeded generator, so adding it leaves the
/// rest of the demo unchanged, and written as raw rows through <see cref="ReviewImportService"/>, the path a CSV or
/// JSON Lines import takes: the same validation, matching and text rows for the text engine.
/// </summary>
internal sealed class DemoReviews
{
    public const string ReviewSite = "review_site";
    public const string ShopReviews = "shop_reviews";

    /// <summary>Every demo review's external id starts with this, so a demo reload can remove them.</summary>
    public const string ExternalIdPrefix = "demo-review-";

    private static readonly string[] Products =
    [
        "Blue rain jacket", "Desk lamp", "Canvas sneakers", "Wool jumper", "Travel backpack", "Ceramic mug set", "Linen shirt",
    ];

    private static readonly string[] FiveStar =
    [
        "Arrived a day early and exactly as described. Will order again.",
        "Great quality for the price, and the packaging was mostly paper.",
        "Second order this year and both went perfectly. Friendly store staff too.",
        "The fit is spot on and the fabric feels solid. Very happy.",
        "Easy returns when the first size was wrong; the replacement came in two days.",
        "Love it. Clear product photos, so no surprises when it arrived.",
    ];

    private static readonly string[] FourStar =
    [
        "Good product and fair price. Delivery took a little longer than promised.",
        "Nice quality, though the colour is slightly darker than in the photos.",
        "Helpful support when I had a question about sizes. Checkout could be simpler.",
        "Solid shop overall; I would like more delivery slots in the evening.",
    ];

    private static readonly string[] ThreeStar =
    [
        "It is okay. Does the job, nothing special for the money.",
        "The product is fine but the parcel sat in a depot for a week.",
        "Average experience: the app kept logging me out during checkout.",
    ];

    private static readonly string[] TwoStar =
    [
        "The stitching came loose after a few weeks. Expected better.",
        "Delivery was late and the tracking page never updated.",
        "Support answered politely but did not solve the problem.",
    ];

    private static readonly string[] OneStar =
    [
        "Arrived broken and I am still waiting for the refund after three weeks.",
        "Charged twice for one order. Never again, I am taking my money elsewhere.",
        "Wrong size sent twice. I have cancelled my account.",
        "Nobody replies to e-mails. Terrible service.",
    ];

    private static readonly string[] GermanPositive =
    [
        "Schnelle Lieferung, gute Qualität. Gerne wieder.",
        "Freundlicher Service und faire Preise.",
    ];

    private static readonly string[] GermanNegative =
    [
        "Die Ware kam beschädigt an und die Erstattung dauert ewig.",
        "Lieferung zu spät, keine Antwort vom Kundenservice.",
    ];

    private readonly Random _rng;
    private readonly DateTime _today;
    private readonly List<(string Email, DateTime FirstOrderAt, bool Lapsed)> _buyers = [];

    public DemoReviews(int seed, DateTime today)
    {
        // Its own stream (not the generator's or the surveys'), so the rest of the demo is the same with or without it.
        _rng = new Random(unchecked((seed * 15_485_863) ^ 0x5EED_4E71));
        _today = today;
    }

    /// <summary>A customer who may have written a review: only buyers with an e-mail address (normalised) qualify.</summary>
    public void Add(string? email, DemoCustomer customer)
    {
        if (email is not null && customer.Orders.Count > 0)
        {
            _buyers.Add((email, customer.Orders.Min(o => o.At), customer.DroppedOutAt is not null));
        }
    }

    /// <summary>
    /// The review rows, the same every time for a seed and day: about one buyer in 30 (at least 8) reviews, plus about
    /// half as many reviews again from strangers, half of them with an e-mail the company does not know.
    /// </summary>
    public IReadOnlyList<RawRow> Rows()
    {
        var matchedCount = Math.Min(_buyers.Count, Math.Max(8, _buyers.Count / 30));
        var chosen = _buyers.ToArray();
        _rng.Shuffle(chosen);
        var rows = new List<RawRow>();
        var n = 0;
        foreach (var (email, firstOrderAt, lapsed) in chosen.Take(matchedCount))
        {
            var earliest = firstOrderAt > _today.AddDays(-365) ? firstOrderAt : _today.AddDays(-365);
            var span = Math.Max(1, (int)(_today - earliest).TotalDays);
            rows.Add(Review(++n, Rating(lapsed), earliest.AddDays(_rng.Next(0, span)).AddMinutes(_rng.Next(0, 24 * 60)), email));
        }

        var strangers = Math.Max(5, matchedCount / 2);
        for (var i = 0; i < strangers; i++)
        {
            // An address on a reserved domain (RFC 2606) that no demo customer has, or, as review sites often give, none.
            var email = i % 2 == 0 ? $"reviewer.{n + 1}@reviews.example" : null;
            rows.Add(Review(++n, Rating(lapsed: false), _today.AddDays(-_rng.Next(1, 366)).AddMinutes(_rng.Next(0, 24 * 60)), email));
        }

        return rows;
    }

    private RawRow Review(int n, int stars, DateTime at, string? email)
    {
        var shop = _rng.NextDouble() < 0.4;
        var german = _rng.NextDouble() < 0.1;
        // About one review in eight is a rating without words.
        var text = _rng.NextDouble() < 0.12 ? null
            : german ? Pick(stars >= 4 ? GermanPositive : GermanNegative)
            : Pick(stars switch { 5 => FiveStar, 4 => FourStar, 3 => ThreeStar, 2 => TwoStar, _ => OneStar });
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["source"] = shop ? ShopReviews : ReviewSite,
            ["external_id"] = ExternalIdPrefix + n.ToString(CultureInfo.InvariantCulture),
            ["rating"] = stars.ToString(CultureInfo.InvariantCulture),
            ["text"] = text,
            ["date"] = at.ToString("O", CultureInfo.InvariantCulture),
            ["email"] = email,
            ["product"] = shop ? Pick(Products) : null,
            ["channel"] = shop ? "web" : "review_site",
            ["language"] = german ? "de" : "en",
        };
        return new RawRow(n, fields);
    }

    private int Rating(bool lapsed)
    {
        // Cumulative shares of 5, 4, 3, 2 and 1 star: the J shape, shifted down for customers who stopped buying.
        double[] cumulative = lapsed ? [0.20, 0.35, 0.50, 0.68, 1.0] : [0.50, 0.74, 0.85, 0.92, 1.0];
        var u = _rng.NextDouble();
        return 5 - Array.FindIndex(cumulative, c => u < c);
    }

    private string Pick(string[] options) => options[_rng.Next(options.Length)];

    /// <summary>On a demo reload: the earlier demo reviews go with their texts.</summary>
    public static async Task RemoveAsync(ObsessDb db, CancellationToken ct)
    {
        await db.Texts.Where(t => t.Kind == TextKinds.Review && t.ExternalId!.StartsWith(ExternalIdPrefix)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Feedback.Where(f => f.Kind == FeedbackKinds.Review && f.ExternalId!.StartsWith(ExternalIdPrefix)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
    }
}
