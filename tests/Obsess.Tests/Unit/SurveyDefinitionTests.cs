using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Obsess.Features.Surveys;

namespace Obsess.Tests.Unit;

/// <summary>Survey definitions are checked field by field; skip rules decide the path. Pure functions, no database.</summary>
public sealed class SurveyDefinitionTests
{
    private static Labels En(string text) => new(new Dictionary<string, string> { ["en"] = text });

    private static SurveyDefinition Nps() => new()
    {
        Languages = ["en"],
        Questions =
        [
            new SurveyQuestion
            {
                Type = QuestionTypes.Nps,
                Required = true,
                Label = En("How likely are you to recommend us?"),
                Rules = [new SkipRule { Operator = RuleOperators.LessOrEqual, Score = 6, Action = RuleActions.GoTo, Target = "q3" }],
            },
            new SurveyQuestion { Type = QuestionTypes.Text, Label = En("What do you like most?") },
            new SurveyQuestion
            {
                Type = QuestionTypes.SingleChoice,
                Label = En("Would you like a call?"),
                Options = [new SurveyOption { Id = "yes", Label = En("Yes") }, new SurveyOption { Id = "no", Label = En("No") }],
                Rules = [new SkipRule { Operator = RuleOperators.Chosen, Option = "no", Action = RuleActions.End }],
            },
            new SurveyQuestion { Type = QuestionTypes.Text, Required = true, Label = En("Your phone number") },
        ],
    };

    private static SurveyDefinition Valid()
    {
        var (definition, errors) = SurveyValidation.Validate(Nps());
        errors.ShouldBeEmpty();
        return definition;
    }

    private static Dictionary<string, SurveyAnswer> Answers(params (string Id, SurveyAnswer Answer)[] answers) =>
        answers.ToDictionary(a => a.Id, a => a.Answer);

    [Fact]
    public void A_valid_definition_gets_question_and_option_ids_and_its_default_language()
    {
        var d = Valid();

        d.Questions.Select(q => q.Id).ShouldBe(["q1", "q2", "q3", "q4"]);
        d.DefaultLanguage.ShouldBe("en");
        d.Questions[2].Options!.Select(o => o.Id).ShouldBe(["yes", "no"]);
        SurveyValidation.Validate(new SurveyDefinition
        {
            Languages = ["en"],
            Questions = [new SurveyQuestion { Type = "single", Label = En("Pick"), Options = [new() { Label = En("A") }, new() { Label = En("B") }] }],
        }).Definition.Questions[0].Options!.Select(o => o.Id).ShouldBe(["o1", "o2"]);
    }

    [Fact]
    public void Each_bad_field_is_named_in_the_errors()
    {
        var bad = new SurveyDefinition
        {
            Languages = ["en", "de"],
            DefaultLanguage = "fr",
            Questions =
            [
                new SurveyQuestion { Type = "nps", Label = En("Recommend?"), Rules = [new SkipRule { Operator = "lte", Score = 11, Action = "goto", Target = "q1" }] },
                new SurveyQuestion { Type = "stars", Label = new Labels(new Dictionary<string, string> { ["en"] = "x", ["de"] = "y" }) },
                new SurveyQuestion { Type = "single", Label = new Labels(new Dictionary<string, string> { ["en"] = "x", ["de"] = "y" }), Options = [new() { Label = En("only") }] },
                new SurveyQuestion { Type = "rating", Scale = 11, Label = new Labels(new Dictionary<string, string> { ["en"] = "x", ["de"] = "y" }) },
            ],
        };

        var (_, errors) = SurveyValidation.Validate(bad);

        errors.Keys.Order(StringComparer.Ordinal).ShouldBe(
        [
            "defaultLanguage",
            "questions[0].label.de",
            "questions[0].rules[0].score",
            "questions[0].rules[0].target",
            "questions[1].type",
            "questions[2].options",
            "questions[2].options[0].label.de",
            "questions[3].scale",
        ]);
    }

    [Fact]
    public void Duplicate_ids_unknown_targets_and_rules_that_do_not_fit_the_type_are_refused()
    {
        var (_, errors) = SurveyValidation.Validate(new SurveyDefinition
        {
            Languages = ["en"],
            Questions =
            [
                new SurveyQuestion { Id = "a", Type = "text", Label = En("x"), Rules = [new SkipRule { Operator = "lt", Score = 3, Action = "end" }] },
                new SurveyQuestion { Id = "a", Type = "csat", Label = En("y"), Rules = [new SkipRule { Operator = "eq", Score = 3, Action = "goto", Target = "nowhere" }] },
                new SurveyQuestion { Id = "BAD ID", Type = "multiple", Label = En("z"), Options = [new() { Id = "p", Label = En("P") }, new() { Id = "q", Label = En("Q") }], Rules = [new SkipRule { Operator = "chosen", Option = "r", Action = "jump" }] },
            ],
        });

        errors.Keys.Order(StringComparer.Ordinal).ShouldBe(
        [
            "questions[0].id",
            "questions[0].rules[0].operator",
            "questions[1].id",
            "questions[1].rules[0].target",
            "questions[2].id",
            "questions[2].rules[0].action",
            "questions[2].rules[0].option",
        ]);
    }

    [Fact]
    public void An_empty_definition_asks_for_languages_and_questions()
    {
        var (_, errors) = SurveyValidation.Validate(new SurveyDefinition());

        errors.Keys.ShouldBe(["languages", "defaultLanguage", "questions"], ignoreOrder: true);
    }

    [Fact]
    public void A_detractor_skips_to_q3_and_a_promoter_sees_every_question()
    {
        var d = Valid();

        SurveyFlow.Path(d, Answers(("q1", new SurveyAnswer { Score = 6 }))).Select(q => q.Id).ShouldBe(["q1", "q3", "q4"]);
        SurveyFlow.Path(d, Answers(("q1", new SurveyAnswer { Score = 7 }))).Select(q => q.Id).ShouldBe(["q1", "q2", "q3", "q4"]);
        SurveyFlow.Path(d, Answers()).Select(q => q.Id).ShouldBe(["q1", "q2", "q3", "q4"]);
    }

    [Fact]
    public void Choosing_no_ends_the_survey_so_the_required_phone_question_is_not_missing()
    {
        var d = Valid();
        var declined = Answers(("q1", new SurveyAnswer { Score = 3 }), ("q3", new SurveyAnswer { Choices = ["no"] }));
        var accepted = Answers(("q1", new SurveyAnswer { Score = 3 }), ("q3", new SurveyAnswer { Choices = ["yes"] }));

        SurveyFlow.Path(d, declined).Select(q => q.Id).ShouldBe(["q1", "q3"]);
        SurveyFlow.MissingRequired(d, declined).ShouldBeEmpty();
        SurveyFlow.MissingRequired(d, accepted).Select(q => q.Id).ShouldBe(["q4"]);
        SurveyFlow.MissingRequired(d, Answers()).Select(q => q.Id).ShouldBe(["q1", "q4"]);
    }

    [Fact]
    public void Answers_off_the_path_are_dropped_when_an_earlier_answer_changes_the_route()
    {
        var d = Valid();
        var answers = Answers(("q1", new SurveyAnswer { Score = 2 }), ("q2", new SurveyAnswer { Text = "stale" }), ("q3", new SurveyAnswer { Choices = ["yes"] }));

        SurveyFlow.OnPath(d, answers).Keys.ShouldBe(["q1", "q3"], ignoreOrder: true);
    }

    [Fact]
    public void Pages_of_the_form_end_at_each_question_whose_answer_decides_the_route()
    {
        var d = Valid();

        SurveyFlow.NextPage(d, ["q1", "q2", "q3", "q4"], null).ShouldBe(["q1"]);
        SurveyFlow.NextPage(d, ["q1", "q2", "q3", "q4"], "q1").ShouldBe(["q2", "q3"]);
        SurveyFlow.NextPage(d, ["q1", "q3", "q4"], "q3").ShouldBe(["q4"]);
        SurveyFlow.NextPage(d, ["q1", "q3"], "q3").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("nps", "11", "The score must be from 0 to 10.")]
    [InlineData("nps", "-1", "The score must be from 0 to 10.")]
    [InlineData("csat", "0", "The score must be from 1 to 5.")]
    [InlineData("ces", "8", "The score must be from 1 to 7.")]
    [InlineData("nps", "\"9\"", "The answer must be a whole number.")]
    [InlineData("nps", "8.5", "The answer must be a whole number.")]
    [InlineData("single", "\"maybe\"", "'maybe' is not an option of this question.")]
    [InlineData("single", "[\"yes\"]", "The answer must be one option id (a string).")]
    [InlineData("multiple", "\"yes\"", "The answer must be an array of option ids.")]
    [InlineData("multiple", "[\"yes\",\"yes\"]", "Each option may be chosen once.")]
    [InlineData("text", "42", "The answer must be text (a string).")]
    public void Wrong_types_and_out_of_range_answers_are_refused(string type, string json, string error)
    {
        var q = new SurveyQuestion
        {
            Id = "q",
            Type = type,
            Options = [new SurveyOption { Id = "yes", Label = En("Yes") }, new SurveyOption { Id = "no", Label = En("No") }],
        };

        var (answer, message) = SurveyFlow.Parse(q, JsonDocument.Parse(json).RootElement);

        answer.ShouldBeNull();
        message.ShouldBe(error);
    }

    [Fact]
    public void Text_longer_than_the_limit_is_refused_and_text_at_the_limit_is_kept()
    {
        var q = new SurveyQuestion { Id = "t", Type = QuestionTypes.Text };

        SurveyFlow.Parse(q, [new string('a', SurveyValidation.MaxTextAnswerLength + 1)]).Error.ShouldNotBeNull();
        SurveyFlow.Parse(q, [new string('a', SurveyValidation.MaxTextAnswerLength)]).Answer!.Text!.Length.ShouldBe(SurveyValidation.MaxTextAnswerLength);
    }

    [Fact]
    public void Choices_are_kept_in_the_question_order_and_a_rating_uses_its_own_scale()
    {
        var multiple = new SurveyQuestion
        {
            Id = "m",
            Type = QuestionTypes.MultipleChoice,
            Options = [new SurveyOption { Id = "a" }, new SurveyOption { Id = "b" }, new SurveyOption { Id = "c" }],
        };
        var rating = new SurveyQuestion { Id = "r", Type = QuestionTypes.Rating, Scale = 3 };

        SurveyFlow.Parse(multiple, ["c", "a"]).Answer!.Choices.ShouldBe(["a", "c"]);
        SurveyFlow.Parse(rating, ["3"]).Answer!.Score.ShouldBe(3);
        SurveyFlow.Parse(rating, ["4"]).Error.ShouldBe("The score must be from 1 to 3.");
    }

    [Fact]
    public void Tokens_carry_their_workspace_and_secrets_verify_only_against_their_own_hash()
    {
        var ws = Guid.CreateVersion7();
        var token = SurveyTokens.NewSurveyToken(ws);
        var link = Guid.CreateVersion7();
        var key = SurveyTokens.NewLinkKey(link);

        SurveyTokens.TryReadWorkspace(token, out var read).ShouldBeTrue();
        read.ShouldBe(ws);
        token.ShouldMatch("^[A-Za-z0-9_-]{46}$");
        SurveyTokens.TryReadLinkId(key, out var readLink).ShouldBeTrue();
        readLink.ShouldBe(link);
        SurveyTokens.Verify(key, SurveyTokens.HashOf(key)).ShouldBeTrue();
        SurveyTokens.Verify(key[..^1] + (key[^1] == 'A' ? 'B' : 'A'), SurveyTokens.HashOf(key)).ShouldBeFalse();
        SurveyTokens.TryReadWorkspace("not-a-token", out _).ShouldBeFalse();
        SurveyTokens.NewSurveyToken(ws).ShouldNotBe(token);
    }

    [Fact]
    public void Accept_language_picks_the_most_wanted_language_the_survey_has()
    {
        var d = new SurveyDefinition { Languages = ["en", "de"], DefaultLanguage = "en" };

        SurveyResponder.LanguageFor(d, SurveyResponder.AcceptedLanguages("fr-FR, de-AT;q=0.8, en;q=0.5")).ShouldBe("de");
        SurveyResponder.LanguageFor(d, SurveyResponder.AcceptedLanguages("fr")).ShouldBe("en");
        SurveyResponder.LanguageFor(d, ["DE", "en"]).ShouldBe("de");
    }
}

/// <summary>The public endpoints' limiter: a submission needs a permit from its address's and its survey's window.</summary>
public sealed class SurveyThrottleTests
{
    private static DefaultHttpContext From(string address) =>
        new() { Connection = { RemoteIpAddress = System.Net.IPAddress.Parse(address) } };

    [Fact]
    public void A_survey_flooded_from_many_addresses_is_limited_while_other_surveys_are_not()
    {
        using var throttle = new SurveyThrottle(new SurveyThrottleOptions { PerAddressPerMinute = 100, PerSurveyPerMinute = 3 });

        var results = Enumerable.Range(1, 4).Select(i => throttle.TryAcquire(From($"10.0.0.{i}"), "survey-a")).ToList();

        results.ShouldBe([true, true, true, false]);
        throttle.TryAcquire(From("10.0.0.9"), "survey-b").ShouldBeTrue();
    }

    [Fact]
    public void One_address_is_limited_across_surveys()
    {
        using var throttle = new SurveyThrottle(new SurveyThrottleOptions { PerAddressPerMinute = 2, PerSurveyPerMinute = 100 });

        throttle.TryAcquire(From("10.1.1.1"), "a").ShouldBeTrue();
        throttle.TryAcquire(From("10.1.1.1"), "b").ShouldBeTrue();
        throttle.TryAcquire(From("10.1.1.1"), "c").ShouldBeFalse();
        throttle.TryAcquire(From("10.1.1.2"), "c").ShouldBeTrue();
    }
}

/// <summary>The builder's no-JavaScript form: fields back into a survey, and each button's edit.</summary>
public sealed class SurveyEditorFormTests
{
    private static Func<string, Microsoft.Extensions.Primitives.StringValues> Form(params (string Key, string Value)[] fields) =>
        key => new Microsoft.Extensions.Primitives.StringValues([.. fields.Where(f => f.Key == key).Select(f => f.Value)]);

    private static readonly (string, string)[] TwoQuestions =
    [
        ("name", "Checkout"), ("languages", "en, de"), ("defaultLanguage", "en"), ("quota", "100"), ("closesAt", "2030-01-31T18:30"),
        ("q0.id", "q1"), ("q0.type", "nps"), ("q0.required", "true"), ("q0.label.en", "Recommend?"), ("q0.label.de", "Empfehlen?"),
        ("q0.r0.operator", "lte"), ("q0.r0.value", "6"), ("q0.r0.action", "goto"), ("q0.r0.target", "q2"),
        ("q1.id", "q2"), ("q1.type", "single"), ("q1.label.en", "Why?"), ("q1.label.de", "Warum?"),
        ("q1.o0.id", "o1"), ("q1.o0.label.en", "Price"), ("q1.o0.label.de", "Preis"),
        ("q1.o1.id", "o2"), ("q1.o1.label.en", "Speed"), ("q1.o1.label.de", "Tempo"),
    ];

    [Fact]
    public void The_posted_fields_read_back_as_a_valid_survey()
    {
        var request = SurveyEditorForm.Read(Form(TwoQuestions));

        var (definition, errors) = SurveyService.Check(request);
        errors.ShouldBeEmpty();
        (request.Name, request.ResponseQuota, request.ClosesAt).ShouldBe(("Checkout", (int?)100, (DateTime?)new DateTime(2030, 1, 31, 18, 30, 0, DateTimeKind.Utc)));
        definition.Languages.ShouldBe(["en", "de"]);
        definition.Questions[0].Rules!.Single().ShouldBe(new SkipRule { Operator = "lte", Score = 6, Action = "goto", Target = "q2" });
        definition.Questions[1].Options!.Select(o => o.Label["de"]).ShouldBe(["Preis", "Tempo"]);
        definition.Questions.Select(q => q.Required).ShouldBe([true, false]);
    }

    [Fact]
    public void Buttons_add_move_and_remove_questions_options_and_rules()
    {
        var request = SurveyEditorForm.Read(Form(TwoQuestions));

        var added = SurveyEditorForm.Apply(request, "add-question", "multiple")!.Value;
        added.Request.Questions!.Select(q => (q.Id, q.Type)).ShouldBe([("q1", "nps"), ("q2", "single"), ("q3", "multiple")]);
        added.Request.Questions![2].Options!.Select(o => o.Id).ShouldBe(["o1", "o2"]);
        added.Message.ShouldBe("Added question 3 (Multiple choice).");

        SurveyEditorForm.Apply(request, "down:0", null)!.Value.Request.Questions!.Select(q => q.Id).ShouldBe(["q2", "q1"]);
        SurveyEditorForm.Apply(request, "up:1", null)!.Value.Request.Questions!.Select(q => q.Id).ShouldBe(["q2", "q1"]);
        SurveyEditorForm.Apply(request, "up:0", null).ShouldBeNull();
        SurveyEditorForm.Apply(request, "remove:0", null)!.Value.Request.Questions!.Select(q => q.Id).ShouldBe(["q2"]);
        SurveyEditorForm.Apply(request, "add-option:1", null)!.Value.Request.Questions![1].Options!.Select(o => o.Id).ShouldBe(["o1", "o2", "o3"]);
        SurveyEditorForm.Apply(request, "remove-option:1:0", null)!.Value.Request.Questions![1].Options!.Select(o => o.Id).ShouldBe(["o2"]);
        SurveyEditorForm.Apply(request, "add-rule:1", null)!.Value.Request.Questions![1].Rules!.Single().Operator.ShouldBe(RuleOperators.Chosen);
        SurveyEditorForm.Apply(request, "remove-rule:0:0", null)!.Value.Request.Questions![0].Rules.ShouldBeEmpty();
        SurveyEditorForm.Apply(request, "remove:7", null).ShouldBeNull();
        SurveyEditorForm.Apply(request, "drop table", null).ShouldBeNull();
    }
}
