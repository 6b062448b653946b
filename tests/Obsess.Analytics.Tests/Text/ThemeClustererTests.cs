using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

public class ThemeClustererTests
{
    private static readonly string[] Texts =
    [
        "The delivery was late again and the parcel arrived damaged",
        "Late delivery, the courier left the parcel in the rain",
        "My parcel delivery took two weeks",
        "Courier lost my parcel, delivery tracking never updated",
        "Delivery was late and the courier was rude",
        "The parcel delivery date keeps changing",
        "I was charged twice on my credit card invoice",
        "The invoice shows a double charge on my credit card",
        "Refund the extra charge on my invoice please",
        "Billing charged my credit card the wrong amount",
        "Why is there an extra charge on this invoice",
        "The invoice total and the card charge do not match",
        "The mobile app crashes when I open the camera screen",
        "App crashes on login since the last update",
        "The app keeps crashing after the update on my phone",
        "Mobile app freezes then crashes on the settings screen",
        "Since the update the app crashes every time",
        "The app crashes when I upload a photo",
    ];

    [Fact]
    public void Same_seed_gives_the_same_themes()
    {
        var a = ThemeClusterer.Fit(Texts, new ThemeOptions { K = 3, Seed = 5 });
        var b = ThemeClusterer.Fit(Texts, new ThemeOptions { K = 3, Seed = 5 });
        b.Assignments.ShouldBe(a.Assignments);
        b.Themes.Select(t => t.Name).ShouldBe(a.Themes.Select(t => t.Name));
    }

    [Fact]
    public void A_stored_model_assigns_new_texts_exactly_as_the_fitted_one()
    {
        var ignored = new HashSet<string>(["rude"], StringComparer.Ordinal);
        var model = ThemeClusterer.Fit(Texts, new ThemeOptions { K = 3, Seed = 5, IgnoredWords = ignored });
        var restored = ThemeModel.FromJson(model.ToJson(), ignored);

        restored.Themes.Select(t => (t.Id, t.Name, t.Size)).ShouldBe(model.Themes.Select(t => (t.Id, t.Name, t.Size)));
        string[] fresh = ["the courier delivery was late", "double charge on the invoice", "app crashes after update", "nothing in common here", .. Texts];
        fresh.Select(restored.Assign).ShouldBe(fresh.Select(model.Assign));
        restored.Assign("courier parcel late").ShouldBe(model.Assignments[0]);
        Should.Throw<FormatException>(() => ThemeModel.FromJson("{\"Format\":\"other\",\"Terms\":[],\"Idf\":[],\"Centres\":[],\"Themes\":[]}"));
    }

    [Fact]
    public void Three_clear_topics_are_separated_and_named_by_their_words()
    {
        var model = ThemeClusterer.Fit(Texts, new ThemeOptions { K = 3, Seed = 5 });
        model.Themes.Count.ShouldBe(3);
        for (var group = 0; group < 3; group++)
        {
            // Each block of six texts on one topic lands in one theme.
            model.Assignments.Skip(group * 6).Take(6).Distinct().Count().ShouldBe(1);
        }

        var names = string.Join(" | ", model.Themes.Select(t => t.Name));
        names.ShouldContain("delivery");
        names.ShouldContain("invoice");
        names.ShouldContain("crashes");
        model.Themes.ShouldAllBe(t => t.Examples.Count == 3 && t.Size == 6);
    }

    [Fact]
    public void Number_of_themes_is_chosen_automatically_when_not_given()
    {
        var model = ThemeClusterer.Fit(Texts, new ThemeOptions { Seed = 5, MaxK = 6 });
        model.Themes.Count.ShouldBe(3);
    }

    [Fact]
    public void New_texts_are_assigned_to_the_matching_theme()
    {
        var model = ThemeClusterer.Fit(Texts, new ThemeOptions { K = 3, Seed = 5 });
        model.Assign("the courier delivery of my parcel is late").ShouldBe(model.Assignments[0]);
        model.Assign("a wrong charge on my invoice").ShouldBe(model.Assignments[6]);
        model.Assign("app crashes again").ShouldBe(model.Assignments[12]);
        model.Assign("zebra quantum").ShouldBe(-1);
    }

    [Fact]
    public void Ignored_words_never_name_a_theme()
    {
        var texts = Texts.Select((t, i) => i % 2 == 0 ? t + ", terrible" : t + ", great").ToArray();
        var kept = ThemeClusterer.Fit(texts, new ThemeOptions { K = 3, Seed = 5 });
        kept.Themes.SelectMany(t => t.KeyPhrases).ShouldContain(p => p.Contains("great") || p.Contains("terrible"));
        var ignored = ThemeClusterer.Fit(texts, new ThemeOptions { K = 3, Seed = 5, IgnoredWords = Lexicons.VaderLexicon.Words });
        ignored.Themes.SelectMany(t => t.KeyPhrases).ShouldNotContain(p => p.Contains("great") || p.Contains("terrible"));
    }

    [Fact]
    public void Too_few_texts_is_a_clear_error()
    {
        Should.Throw<ArgumentException>(() => ThemeClusterer.Fit(["only one"]));
    }
}
