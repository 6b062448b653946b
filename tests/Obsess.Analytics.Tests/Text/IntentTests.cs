using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

public class IntentTests
{
    private static readonly TextAnalyzer Analyzer = new(Lexicons.VaderLexicon);

    private static IReadOnlyList<Intent> Intents(string text) => Analyzer.Analyze(text).Intents;

    [Theory]
    [InlineData("Please cancel my account.")]
    [InlineData("I want to close my account today.")]
    [InlineData("We're switching to Zendesk next month.")]
    [InlineData("We will not be renewing our contract.")]
    public void Churn_threats_are_detected(string text) => Intents(text).ShouldContain(Intent.ChurnThreat);

    [Theory]
    [InlineData("Can you cancel order 5521?")]
    [InlineData("Switching to the annual plan, how do I do that?")]
    [InlineData("Cancel the meeting on Friday please.")]
    public void Cancelling_an_order_or_changing_plan_is_not_churn(string text) => Intents(text).ShouldNotContain(Intent.ChurnThreat);

    [Theory]
    [InlineData("We are cancelling.")]
    [InlineData("Please cancel, we no longer use it.")]
    [InlineData("I will cancel if nobody calls me today.")]
    [InlineData("We signed with HubSpot last week.")]
    [InlineData("We're comparing other vendors right now.")]
    public void Cancelling_with_no_object_or_signing_with_a_rival_is_churn(string text) => Intents(text).ShouldContain(Intent.ChurnThreat);

    [Theory]
    [InlineData("I'm not cancelling, just pausing for a month.")]
    [InlineData("How do I pause instead of cancelling?")]
    [InlineData("Please cancel my booking for Saturday.")]
    [InlineData("Could you cancel the payment I made by mistake?")]
    public void Cancelling_a_booking_or_not_cancelling_is_not_churn(string text) => Intents(text).ShouldNotContain(Intent.ChurnThreat);

    [Theory]
    [InlineData("The courier hung up on me twice.")]
    [InlineData("My tracking page hasn't moved since Monday.")]
    [InlineData("The latest release made the editor slower.")]
    [InlineData("It renewed even though I cancelled in May.")]
    public void Problems_told_as_facts_are_complaints(string text) => Intents(text).ShouldContain(Intent.Complaint);

    [Fact]
    public void A_negated_phrase_does_not_count()
    {
        Intents("The agent was not very helpful.").ShouldNotContain(Intent.Praise);
        Intents("Honestly not terrible, it does the job.").ShouldNotContain(Intent.Complaint);
    }

    [Fact]
    public void A_wish_or_a_request_is_not_praise()
    {
        Intents("We would love an export to Excel.").ShouldNotContain(Intent.Praise);
        Intents("The team was super helpful and the setup took minutes.").ShouldContain(Intent.Praise);
    }

    [Theory]
    [InlineData("Can I get a call from someone in billing?")]
    [InlineData("Please get me an agent.")]
    [InlineData("Connect me with support by phone.")]
    public void Indirect_requests_for_a_person_are_detected(string text) => Intents(text).ShouldContain(Intent.HumanRequest);

    [Fact]
    public void Request_for_a_human_is_detected()
    {
        Intents("I need to speak to a real person").ShouldContain(Intent.HumanRequest);
        Intents("Put me through to your supervisor").ShouldContain(Intent.HumanRequest);
        Intents("The person at the desk was kind").ShouldNotContain(Intent.HumanRequest);
    }

    [Fact]
    public void Questions_are_detected_with_or_without_a_question_mark()
    {
        Intents("How do I export my invoices").ShouldContain(Intent.Question);
        Intents("Do you ship to Norway?").ShouldContain(Intent.Question);
        Intents("Would love a dark mode option.").ShouldNotContain(Intent.Question);
    }

    [Fact]
    public void Complaint_and_praise_come_from_phrases_and_sentiment()
    {
        Intents("The app keeps crashing on startup.").ShouldContain(Intent.Complaint);
        Intents("Thanks a lot, Sarah was brilliant.").ShouldContain(Intent.Praise);
        Intents("I love the app but it drains my battery.").ShouldBe([Intent.Complaint, Intent.Praise], ignoreOrder: true);
    }

    // Third revision (text-5, docs/bench/text.md section 3).
    [Theory]
    [InlineData("We have decided not to continue with your service.")]
    [InlineData("Let me out of this contract.")]
    [InlineData("Seriously considering leaving if nothing changes.")]
    [InlineData("Please stop my membership from renewing.")]
    [InlineData("We will not be extending the licence.")]
    [InlineData("I've moved my team over to Asana.")]
    public void Leaving_without_naming_a_rival_or_cancelling_is_churn(string text) => Intents(text).ShouldContain(Intent.ChurnThreat);

    [Theory]
    [InlineData("You have just lost a loyal customer.")]
    [InlineData("This is the last year you'll get a penny from me.")]
    [InlineData("We'll be leaving after this.")]
    [InlineData("Goodbye, I'm fed up with the constant delays.")]
    public void Leaving_in_anger_is_churn_and_complaint(string text) =>
        Intents(text).ShouldBe([Intent.ChurnThreat, Intent.Complaint], ignoreOrder: true);

    [Theory]
    [InlineData("Our office is moving to Madrid in spring.")]
    [InlineData("Go to Settings to change it.")]
    [InlineData("I'm out of the office until Monday.")]
    [InlineData("Can I move to a different seat?")]
    [InlineData("We decided not to continue with phase two of the project.")]
    public void A_move_a_menu_or_an_absence_is_not_churn(string text) => Intents(text).ShouldNotContain(Intent.ChurnThreat);

    [Theory]
    [InlineData("The jacket runs small, I had to send it back.")]
    [InlineData("The manual is impossible to follow.")]
    [InlineData("The bot keeps transferring me to the same page.")]
    [InlineData("The handle snapped after two weeks.")]
    [InlineData("The courier left the box out in the rain.")]
    [InlineData("The promo code didn't apply at checkout.")]
    [InlineData("The app won't let me change my email.")]
    [InlineData("I received somebody else's parcel.")]
    [InlineData("Honestly a rip-off.")]
    [InlineData("The shipping took forever.")]
    [InlineData("The issue is still there after the update.")]
    [InlineData("The portions are far too small.")]
    [InlineData("Is this how you treat your customers?")]
    [InlineData("Can't say I was impressed.")]
    [InlineData("Been waiting three weeks for a reply.")]
    [InlineData("This is the third time my payment has bounced.")]
    public void Problems_complaints_about_time_and_price_and_rhetorical_questions_are_complaints(string text) =>
        Intents(text).ShouldContain(Intent.Complaint);

    [Theory]
    [InlineData("Can you close the account of my late mother?")]
    [InlineData("Is there a cancellation fee on the yearly plan?")]
    [InlineData("I ordered the wrong size, can I swap it?")]
    [InlineData("Is it too late to change the delivery address?")]
    public void Words_that_name_no_problem_are_not_a_complaint(string text) => Intents(text).ShouldNotContain(Intent.Complaint);

    [Theory]
    [InlineData("Brilliant, thank you!")]
    [InlineData("The parcel was packed really well.")]
    [InlineData("Setup was seamless.")]
    [InlineData("Everything just worked.")]
    [InlineData("It does exactly what it says.")]
    public void Sincere_openings_care_and_things_that_just_work_are_praise(string text) => Intents(text).ShouldContain(Intent.Praise);

    [Theory]
    [InlineData("Thanks for the reply, but the app still crashes.")]
    [InlineData("We're leaving for a rival, thanks for everything.")]
    [InlineData("Is this how you treat loyal customers?")]
    [InlineData("What type of plan do I need?")]
    [InlineData("Could you send me a recommendation for a router?")]
    public void Thanks_in_a_complaint_or_goodbye_and_words_inside_other_words_are_not_praise(string text) =>
        Intents(text).ShouldNotContain(Intent.Praise);

    [Theory]
    [InlineData("I need to speak with your claims department.")]
    [InlineData("Put someone on this who knows the product.")]
    [InlineData("Agent please.")]
    [InlineData("Representative!")]
    [InlineData("I want a person.")]
    public void Departments_one_word_asks_and_wanting_a_person_are_requests_for_a_human(string text) =>
        Intents(text).ShouldContain(Intent.HumanRequest);

    [Fact]
    public void Urgency_rises_with_urgent_words_blocking_problems_and_churn()
    {
        var calm = Analyzer.Analyze("I updated my address last week.").Urgency;
        var annoyed = Analyzer.Analyze("The colour is a bit off, disappointing.").Urgency;
        var urgent = Analyzer.Analyze("URGENT: checkout is down and we are losing sales, fix it ASAP or we cancel our account!!!").Urgency;
        calm.ShouldBeLessThan(0.05);
        annoyed.ShouldBeGreaterThan(calm);
        urgent.ShouldBeGreaterThan(annoyed);
        urgent.ShouldBeInRange(0.9, 1.0);
    }

    [Fact]
    public void Precision_and_recall_on_the_written_set_stay_above_measured_floors()
    {
        // Floors sit a little under the figures measured with the rules alone (docs/bench/text.md);
        // the rules were written while looking at this set, so the hold-out test below is the honest estimate.
        var scores = Evaluate("intents.tsv");
        Check(scores, "churn", 0.95, 0.95);
        Check(scores, "complaint", 0.9, 0.95);
        Check(scores, "praise", 0.9, 0.95);
        Check(scores, "question", 0.95, 0.95);
        Check(scores, "human", 0.95, 0.95);
    }

    [Fact]
    public void Precision_and_recall_on_the_first_hold_out_set_stay_above_measured_floors()
    {
        // Written after the first rules were frozen; the second revision read its errors, so it is development data
        // now and its floors sit under the revised figures.
        var scores = Evaluate("intents-holdout.tsv");
        Check(scores, "churn", 0.95, 0.85);
        Check(scores, "complaint", 0.9, 0.95);
        Check(scores, "praise", 0.95, 0.95);
        Check(scores, "question", 0.95, 0.95);
        Check(scores, "human", 0.95, 0.95);
    }

    [Fact]
    public void Precision_and_recall_on_the_second_hold_out_set_stay_above_measured_floors()
    {
        // Written before the second revision, the honest estimate for it; the third revision read its errors, so it is
        // development data now and its floors sit under the revised figures (docs/bench/text.md section 3).
        var scores = Evaluate("intents-holdout-2.tsv");
        Check(scores, "churn", 0.95, 0.95);
        Check(scores, "complaint", 0.95, 0.95);
        Check(scores, "praise", 0.95, 0.95);
        Check(scores, "question", 0.95, 0.95);
        Check(scores, "human", 0.95, 0.95);
    }

    [Fact]
    public void Precision_and_recall_on_the_third_hold_out_set_stay_above_measured_floors()
    {
        // Written and committed before the third revision and never used to change the rules (its errors were not
        // read): the honest estimate (docs/bench/text.md section 3). Floors sit a little under the measured figures.
        var scores = Evaluate("intents-holdout-3.tsv");
        Check(scores, "churn", 0.9, 0.5);
        Check(scores, "complaint", 0.7, 0.45);
        Check(scores, "praise", 0.75, 0.7);
        Check(scores, "question", 0.9, 0.95);
        Check(scores, "human", 0.95, 0.45);
    }

    private static void Check(IReadOnlyList<ClassScore> scores, string name, double precision, double recall)
    {
        var s = scores.Single(c => c.Name == name);
        s.Precision.ShouldBeGreaterThanOrEqualTo(precision, name);
        s.Recall.ShouldBeGreaterThanOrEqualTo(recall, name);
    }

    private static IReadOnlyList<ClassScore> Evaluate(string file)
    {
        var rows = File.ReadLines(Lexicons.TestFile(file))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .ToList();
        rows.ShouldAllBe(r => r.Length == 2);
        var gold = rows.Select(r => (IReadOnlyCollection<string>)r[1].Split(',')).ToList();
        var predicted = rows.Select(r => (IReadOnlyCollection<string>)Intents(r[0]).Select(Short).ToArray()).ToList();
        return TextMetrics.PerClassSets(gold, predicted, ["churn", "complaint", "praise", "question", "human"]);
    }

    private static string Short(Intent intent) => intent switch
    {
        Intent.ChurnThreat => "churn",
        Intent.Complaint => "complaint",
        Intent.Praise => "praise",
        Intent.Question => "question",
        _ => "human",
    };
}
