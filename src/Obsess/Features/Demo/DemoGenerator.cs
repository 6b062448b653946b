using System.Globalization;
using System.Text.Json;

namespace Obsess.Features.Demo;

public sealed record DemoIdentity(string Kind, string Source, string Raw);

public sealed record DemoOrder(string Source, string ExternalId, string Channel, DateTime At, decimal Amount, int Items);

public sealed record DemoEvent(string Type, string Name, string Source, string Channel, DateTime At, string Properties);

/// <summary>Something the customer wrote or said to the support desk.</summary>
public sealed record DemoText(string Kind, string Channel, string ExternalId, string Body, DateTime At);

public sealed record DemoCustomer(
    int Number,
    string Name,
    IReadOnlyList<DemoIdentity> Identities,
    IReadOnlyDictionary<string, object> Traits,
    IReadOnlyList<DemoOrder> Orders,
    IReadOnlyList<DemoEvent> Events,
    DateTime AcquiredAt,
    DateTime? DroppedOutAt)
{
    public IReadOnlyList<DemoText> Texts { get; init; } = [];
}

public sealed record DemoOptions
{
    public int Customers { get; init; } = 10_000;

    public int Seed { get; init; } = 42;

    /// <summary>The last day of the simulated history (exclusive). The history runs 30 months up to it.</summary>
    public required DateTime End { get; init; }

    public int Months { get; init; } = 30;
}

/// <summary>
/// A synthetic retailer selling in a web shop and in stores, with a support desk and a newsletter. Deterministic
/// for a seed and an end date. Purchases follow the buy-till-you-die story of the BG/NBD model (Fader, Hardie &amp; Lee
/// 2005): while alive a customer buys as a Poisson process with their own rate λ ~ Gamma(r, α), and after each
/// purchase drops out with their own probability p ~ Beta(a, b); spend per order varies around a customer's own
/// mean (Gamma-Gamma). So lifetime-value and churn models have real signal to find.
/// Each source knows a customer by its own identifiers, written its own way (case, spaces, phone formats), and the
/// sources overlap, so identity resolution has real work. Names are common names; e-mails use the reserved
/// example.* domains (RFC 2606) and phones the 555-01xx numbers reserved for fiction, so none is real.
/// </summary>
public static class DemoGenerator
{
    public const string WebShop = "web_shop";
    public const string PointOfSale = "point_of_sale";
    public const string SupportDesk = "support_desk";
    public const string Newsletter = "newsletter";

    public static IEnumerable<DemoCustomer> Generate(DemoOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Customers);
        var rng = new Random(options.Seed);
        var start = options.End.AddMonths(-options.Months);
        var span = (options.End - start).TotalDays;

        // Phones: area codes 201..999 without N11 codes, each with the 100 fictional lines 555-0100..555-0199,
        // handed out in a seeded order so no two customers share one.
        var phonePool = Enumerable.Range(201, 799).Where(a => a % 100 != 11)
            .SelectMany(a => Enumerable.Range(100, 100).Select(line => (Area: a, Line: line))).ToArray();
        rng.Shuffle(phonePool);

        for (var n = 1; n <= options.Customers; n++)
        {
            yield return One(n, rng, options.Seed, start, span, options.End, phonePool[(n - 1) % phonePool.Length], n - 1 < phonePool.Length);
        }
    }

    private static DemoCustomer One(int n, Random rng, int seed, DateTime start, double span, DateTime end, (int Area, int Line) phone, bool phoneFree)
    {
        var first = FirstNames[rng.Next(FirstNames.Length)];
        var last = LastNames[rng.Next(LastNames.Length)];
        var name = $"{first} {last}";
        var city = Cities[rng.Next(Cities.Length)];

        // More customers joined recently (the business grows).
        var acquired = start.AddDays(Math.Pow(rng.NextDouble(), 0.75) * (span - 7)).AddMinutes(rng.Next(8 * 60, 21 * 60));
        var lambdaPerDay = Gamma(rng, 0.9, 0.12) / 7.0;
        var dropout = Beta(rng, 1.2, 4.0);
        var meanSpend = Gamma(rng, 6.0, 12.0) + 8;
        var prefersStore = rng.NextDouble() < 0.45;
        var onlineShare = prefersStore ? 0.15 : 0.9;

        // Who knows this customer: the web shop, the stores, or both; a few are newsletter sign-ups who never buy.
        var lead = rng.NextDouble() < 0.05;
        var inWeb = !lead && (!prefersStore || rng.NextDouble() < 0.35);
        var inStore = !lead && (prefersStore || rng.NextDouble() < 0.3);
        var newsletter = lead || rng.NextDouble() < 0.5;
        var email = $"{Slug(first)}.{Slug(last)}{n}@{Domains[n % Domains.Length]}";
        var hasPhone = phoneFree && (inStore || rng.NextDouble() < 0.3);

        var identities = new List<DemoIdentity>();
        var orders = new List<DemoOrder>();
        var events = new List<DemoEvent>();

        // Purchases: first at acquisition, then Poisson while alive; dropout after each purchase.
        DateTime? droppedOut = null;
        if (!lead)
        {
            var t = acquired;
            var k = 0;
            while (t < end)
            {
                var online = inWeb && (!inStore || rng.NextDouble() < onlineShare);
                var amount = Math.Round((decimal)Gamma(rng, 8, meanSpend / 8), 2);
                var items = 1 + (int)Math.Min(9, Gamma(rng, 1.5, amount > 80 ? 1.6 : 0.8));
                k++;
                orders.Add(new DemoOrder(
                    online ? WebShop : PointOfSale,
                    online ? $"WS-{n:000000}-{k:000}" : $"POS-{n:000000}-{k:000}",
                    online ? "web" : "store",
                    t,
                    Math.Max(amount, 3m),
                    items));
                if (online)
                {
                    events.Add(new DemoEvent("page", "Viewed product", WebShop, "web", t.AddMinutes(-rng.Next(5, 90)), Json(("sku", $"SKU-{rng.Next(100, 999)}"))));
                    events.Add(new DemoEvent("track", "Added to cart", WebShop, "web", t.AddMinutes(-rng.Next(1, 5)), "{}"));
                    events.Add(new DemoEvent("track", "Order completed", WebShop, "web", t, Json(("order_id", $"WS-{n:000000}-{k:000}"))));
                }
                else
                {
                    events.Add(new DemoEvent("track", "Store visit", PointOfSale, "store", t.AddMinutes(-rng.Next(5, 40)), Json(("store", city))));
                }

                if (rng.NextDouble() < dropout)
                {
                    droppedOut = t;
                    break;
                }

                var gap = Exponential(rng, lambdaPerDay);
                if (gap >= (end - t).TotalDays)
                {
                    break;
                }

                t = t.AddDays(gap);
            }
        }

        var aliveUntil = droppedOut ?? end;

        // Browsing between purchases, while the customer is still around.
        if (inWeb)
        {
            var browse = acquired;
            var browseRate = lambdaPerDay * 3 + 0.01;
            var browseEnd = aliveUntil.AddDays(30) < end ? aliveUntil.AddDays(30) : end;
            while (true)
            {
                var gap = Exponential(rng, browseRate);
                if (gap >= (browseEnd - browse).TotalDays)
                {
                    break;
                }

                browse = browse.AddDays(gap);
                events.Add(new DemoEvent("page", "Viewed page", WebShop, "web", browse, Json(("path", Paths[rng.Next(Paths.Length)]))));
            }
        }

        // Newsletter: a campaign every two weeks; opens fade after the customer has gone.
        if (newsletter)
        {
            var joined = acquired.AddDays(rng.Next(0, 60));
            var openRate = 0.15 + 0.5 * rng.NextDouble();
            for (var c = joined.AddDays(14); c < end; c = c.AddDays(14))
            {
                var p = c <= aliveUntil ? openRate : openRate * 0.25;
                if (rng.NextDouble() < p)
                {
                    events.Add(new DemoEvent("track", "Email opened", Newsletter, "email", c.AddHours(rng.Next(1, 48)), Json(("campaign", $"C-{c:yyyyMMdd}"))));
                    if (rng.NextDouble() < 0.25)
                    {
                        events.Add(new DemoEvent("track", "Email clicked", Newsletter, "email", c.AddHours(rng.Next(49, 60)), Json(("campaign", $"C-{c:yyyyMMdd}"))));
                    }
                }
            }
        }

        // Support: occasional questions, and more often a complaint shortly before a customer leaves. What the customer
        // wrote comes from its own generator, so the texts do not change the rest of the history.
        var tickets = 0;
        var texts = new List<DemoText>();
        var words = new Random((seed * 7_919) ^ (n * 104_729) ^ 0x7E475);
        foreach (var o in orders)
        {
            var nearExit = droppedOut is { } d && (d - o.At).TotalDays < 1;
            if (rng.NextDouble() < (nearExit ? 0.35 : 0.05))
            {
                tickets++;
                var opened = o.At.AddDays(rng.Next(1, 10)).AddHours(rng.Next(0, 8));
                var channel = SupportChannels[rng.Next(SupportChannels.Length)];
                var topic = nearExit ? Complaints[rng.Next(Complaints.Length)] : Questions[rng.Next(Questions.Length)];
                events.Add(new DemoEvent("track", "Ticket opened", SupportDesk, channel, opened, Json(("ticket", $"T-{n}-{tickets}"), ("subject", topic))));
                var solved = opened.AddHours(2 + rng.Next(0, 70));
                events.Add(new DemoEvent("track", "Ticket solved", SupportDesk, channel, solved, Json(("ticket", $"T-{n}-{tickets}"))));
                texts.AddRange(SupportTexts(words, $"T-{n}-{tickets}", channel, topic, nearExit, opened, solved));
            }
        }

        events.RemoveAll(e => e.At >= end || e.At < acquired.AddHours(-2));

        // Identities, each written the way its source writes it.
        if (inWeb)
        {
            identities.Add(new DemoIdentity("external", WebShop, $"WS{n:0000000}"));
            identities.Add(new DemoIdentity("email", WebShop, Messy(rng, email)));
        }

        if (inStore)
        {
            identities.Add(new DemoIdentity("external", PointOfSale, $"LC{(n * 7919 % 90_000_000) + 10_000_000:00000000}"));
        }

        if (hasPhone)
        {
            identities.Add(new DemoIdentity("phone", inStore ? PointOfSale : WebShop, FormatPhone(rng, phone.Area, phone.Line)));
        }

        if (newsletter)
        {
            identities.Add(new DemoIdentity("email", Newsletter, Messy(rng, email)));
        }

        if (tickets > 0)
        {
            identities.Add(new DemoIdentity("external", SupportDesk, $"ZD-{n * 31 + 100_000}"));
            identities.Add(new DemoIdentity("email", SupportDesk, Messy(rng, email)));
        }

        if (identities.Count == 0)
        {
            identities.Add(new DemoIdentity("email", Newsletter, email));
        }

        var traits = new Dictionary<string, object>
        {
            ["city"] = city,
            ["preferred_channel"] = prefersStore ? "store" : "web",
            ["newsletter"] = newsletter,
        };
        if (rng.NextDouble() < 0.6)
        {
            traits["birthday"] = new DateTime(1950 + rng.Next(0, 55), 1 + rng.Next(12), 1 + rng.Next(28), 0, 0, 0, DateTimeKind.Utc).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        events.Sort((a, b) => a.At.CompareTo(b.At));
        texts.RemoveAll(t => t.At >= end);
        return new DemoCustomer(n, name, identities, traits, orders, events, acquired, droppedOut) { Texts = texts };
    }

    private static string Messy(Random rng, string email) => rng.Next(4) switch
    {
        0 => email.ToUpperInvariant(),
        1 => $"  {email} ",
        2 => char.ToUpperInvariant(email[0]) + email[1..],
        _ => email,
    };

    private static string FormatPhone(Random rng, int area, int line) => rng.Next(4) switch
    {
        0 => $"({area}) 555-{line:0000}",
        1 => $"{area}.555.{line:0000}",
        2 => $"+1 {area} 555 {line:0000}",
        _ => $"1-{area}-555-{line:0000}",
    };

    private static string Slug(string s) => new(s.ToLowerInvariant().Where(char.IsAsciiLetter).ToArray());

    private static string Json(params (string Key, string Value)[] pairs) =>
        JsonSerializer.Serialize(pairs.ToDictionary(p => p.Key, p => p.Value));

    private static double Exponential(Random rng, double rate) => -Math.Log(1 - rng.NextDouble()) / rate;

    /// <summary>Marsaglia &amp; Tsang (2000) gamma sampler, with the shape &lt; 1 boost.</summary>
    internal static double Gamma(Random rng, double shape, double scale)
    {
        if (shape < 1)
        {
            return Gamma(rng, shape + 1, scale) * Math.Pow(rng.NextDouble(), 1 / shape);
        }

        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(rng);
                v = 1 + c * x;
            }
            while (v <= 0);

            v = v * v * v;
            var u = rng.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v))
            {
                return d * v * scale;
            }
        }
    }

    private static double Beta(Random rng, double a, double b)
    {
        var x = Gamma(rng, a, 1);
        return x / (x + Gamma(rng, b, 1));
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static readonly string[] Domains = ["example.com", "example.net", "example.org"];

    private static readonly string[] FirstNames =
    [
        "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "William", "Mia", "Benjamin",
        "Charlotte", "Lucas", "Amelia", "Henry", "Harper", "Theodore", "Evelyn", "Jack", "Abigail", "Levi", "Emily",
        "Alexander", "Ella", "Jackson", "Elizabeth", "Mateo", "Camila", "Daniel", "Luna", "Michael", "Sofia", "Mason",
        "Avery", "Sebastian", "Mila", "Ethan", "Aria", "Logan", "Scarlett", "Owen", "Penelope", "Samuel", "Layla",
        "Jacob", "Chloe", "Asher", "Victoria", "Aiden", "Madison", "John", "Eleanor", "Joseph", "Grace", "Wyatt",
        "Nora", "David", "Riley", "Leo", "Zoey", "Luke", "Hannah", "Julian", "Hazel", "Hudson", "Lily", "Grayson",
        "Ellie", "Matthew", "Violet", "Ezra", "Lillian", "Gabriel", "Zoe", "Carter", "Stella", "Isaac", "Aurora",
        "Jayden", "Natalie", "Luca", "Emilia", "Anthony", "Everly", "Dylan", "Leah", "Lincoln", "Aubrey", "Thomas",
        "Priya", "Arjun", "Mei", "Wei", "Yuki", "Hiro", "Fatima", "Omar", "Aisha", "Kwame", "Amara", "Diego", "Lucia",
        "Ines", "Mateus", "Sven", "Ingrid", "Anya", "Dmitri", "Chiara", "Marco", "Leila", "Karim", "Nia", "Tariq",
    ];

    private static readonly string[] LastNames =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
        "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson",
        "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner",
        "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
        "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos",
        "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza",
        "Patel", "Chen", "Wang", "Singh", "Kowalski", "Novak", "Silva", "Rossi", "Müller", "Schmidt", "Dubois", "Okafor",
    ];

    private static readonly string[] Cities =
    [
        "Springfield", "Riverton", "Fairview", "Lakeside", "Maple Grove", "Brookfield", "Oakridge", "Cedar Falls",
        "Georgetown", "Clinton", "Franklin", "Greenville", "Bristol", "Salem", "Madison", "Ashland",
    ];

    private static readonly string[] Paths = ["/", "/new-arrivals", "/sale", "/category/shoes", "/category/jackets", "/category/bags", "/help/returns", "/stores"];

    private static readonly string[] SupportChannels = ["email", "chat", "phone", "social"];

    private static readonly string[] Questions =
    [
        "Where is my order?", "Can I change my delivery address?", "Do you have this in a larger size?",
        "How do I use my loyalty points?", "Question about store opening hours",
    ];

    /// <summary>The customer's message opening a ticket, and sometimes their reply once it is solved.</summary>
    private static IEnumerable<DemoText> SupportTexts(Random rng, string ticket, string channel, string topic, bool nearExit, DateTime opened, DateTime solved)
    {
        var kind = channel switch { "email" => "email", "phone" => "call", _ => "chat" };
        var detail = TopicDetails.TryGetValue(topic, out var options) ? options[rng.Next(options.Length)] : topic;
        var opening = Openings[rng.Next(Openings.Length)];
        var body = kind == "call" ? $"Caller: {opening}{detail}" : $"{opening}{detail}";
        if (nearExit && rng.NextDouble() < 0.5)
        {
            body += " " + Frustrations[rng.Next(Frustrations.Length)];
        }

        yield return new DemoText(kind, channel, $"{ticket}-1", body, opened);
        var reply = rng.NextDouble();
        if (nearExit && reply < 0.45)
        {
            yield return new DemoText(kind, channel, $"{ticket}-2", Leaving[rng.Next(Leaving.Length)], solved.AddHours(1 + rng.Next(0, 20)));
        }
        else if (!nearExit && reply < 0.35)
        {
            yield return new DemoText(kind, channel, $"{ticket}-2", Thanks[rng.Next(Thanks.Length)], solved.AddHours(1 + rng.Next(0, 20)));
        }
    }

    private static readonly string[] Openings = ["Hi, ", "Hello, ", "Good morning, ", "", "Hi there, "];

    private static readonly Dictionary<string, string[]> TopicDetails = new(StringComparer.Ordinal)
    {
        ["Where is my order?"] = ["where is my order? The tracking page has not changed for four days.", "my parcel was due on Monday and it still has not arrived. Can you check the delivery?", "could you tell me when my order will be delivered?"],
        ["Can I change my delivery address?"] = ["can I change the delivery address for my order? I will be away next week.", "I typed the wrong street in my delivery address, can you fix it before it ships?"],
        ["Do you have this in a larger size?"] = ["do you have the blue jacket in a larger size?", "is the size 12 coming back in stock soon?"],
        ["How do I use my loyalty points?"] = ["how do I use my loyalty points at checkout?", "I have 400 loyalty points, can I use them in the store?"],
        ["Question about store opening hours"] = ["what are the store opening hours on Sunday?", "is the city centre store open late on Thursdays?"],
        ["Item arrived damaged"] = ["the item arrived damaged, the box was crushed and the lamp is broken.", "my order arrived broken. This is really disappointing.", "the parcel was soaked and the item inside is damaged."],
        ["Refund still not received"] = ["I returned my order three weeks ago and the refund is still not on my card. This is unacceptable.", "still no refund after two weeks. Nobody answers my emails."],
        ["Wrong size delivered again"] = ["you sent the wrong size again. Second time this month, very annoying.", "wrong size delivered again, I am tired of returning things."],
        ["Rude staff at the store"] = ["the staff at the store were rude to me yesterday and ignored my question.", "I was treated badly by the staff at the checkout, really unpleasant."],
        ["Order cancelled without notice"] = ["my order was cancelled without any notice. Why?", "you cancelled my order without telling me and I needed it for a birthday."],
        ["Charged twice for one order"] = ["I was charged twice for one order, please refund the extra charge.", "my card shows a double charge for the same order. Please fix this urgently."],
    };

    private static readonly string[] Frustrations =
    [
        "I am really frustrated.", "This is the worst service I have had in years.", "Very disappointed.", "I expected much better from you.",
    ];

    private static readonly string[] Leaving =
    [
        "I want to cancel my account. I am done with this shop.", "Please close my account, I will shop somewhere else from now on.",
        "I'm switching to another store, your service keeps getting worse.", "Not happy at all. I will not order again.",
        "Thanks for nothing. Unsubscribe me and delete my account.",
    ];

    private static readonly string[] Thanks =
    [
        "Thank you so much, that was quick and very helpful!", "Great service, thanks for sorting it out.", "Perfect, thanks a lot for your help.",
        "Brilliant, thank you! Really happy with how you handled it.", "Thanks, all good now.",
    ];

    private static readonly string[] Complaints =
    [
        "Item arrived damaged", "Refund still not received", "Wrong size delivered again",
        "Rude staff at the store", "Order cancelled without notice", "Charged twice for one order",
    ];
}
