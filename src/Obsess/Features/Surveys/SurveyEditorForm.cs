using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Obsess.Features.Surveys;

/// <summary>
/// The builder's form without JavaScript: every button posts the whole form, so the survey being edited travels in
/// the form fields; <see cref="Read"/> turns them back into a <see cref="SurveyRequest"/> and <see cref="Apply"/>
/// carries out the button's edit (add, remove, move a question, an option or a rule). Only "save" writes to the database.
/// Field names: name, languages ("en, de"), defaultLanguage, quota, closesAt, touchpoint, channel, allowMultiple;
/// per question i: q{i}.id, .type, .required, .label.{lang}, .scale; option j: q{i}.o{j}.id, q{i}.o{j}.label.{lang};
/// rule k: q{i}.r{k}.operator, .value, .action, .target.
/// </summary>
public static class SurveyEditorForm
{
    public static SurveyRequest Read(Func<string, StringValues> form)
    {
        string? One(string key) => form(key) is { Count: > 0 } v ? v[^1] : null;
        var languages = (One("languages") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var questions = new List<SurveyQuestion>();
        for (var i = 0; i < SurveyValidation.MaxQuestions + 5 && One($"q{i}.type") is { } type; i++)
        {
            var options = new List<SurveyOption>();
            for (var j = 0; j < SurveyValidation.MaxOptions + 5 && One($"q{i}.o{j}.id") is { } oid; j++)
            {
                options.Add(new SurveyOption { Id = oid, Label = LabelsOf(form, $"q{i}.o{j}.label.", languages) });
            }

            var rules = new List<SkipRule>();
            for (var k = 0; k < SurveyValidation.MaxRules + 5 && One($"q{i}.r{k}.operator") is { } op; k++)
            {
                var value = One($"q{i}.r{k}.value");
                var action = One($"q{i}.r{k}.action");
                rules.Add(new SkipRule
                {
                    Operator = op,
                    Score = QuestionTypes.IsScale(type) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null,
                    Option = QuestionTypes.IsChoice(type) ? value : null,
                    Action = action,
                    Target = action == RuleActions.GoTo ? One($"q{i}.r{k}.target") : null,
                });
            }

            questions.Add(new SurveyQuestion
            {
                Id = One($"q{i}.id"),
                Type = type,
                Required = One($"q{i}.required") == "true",
                Label = LabelsOf(form, $"q{i}.label.", languages),
                Scale = type == QuestionTypes.Rating && int.TryParse(One($"q{i}.scale"), CultureInfo.InvariantCulture, out var scale) ? scale : null,
                Options = QuestionTypes.IsChoice(type) ? options : null,
                Rules = rules,
            });
        }

        return new SurveyRequest
        {
            Name = One("name"),
            Languages = languages,
            DefaultLanguage = One("defaultLanguage"),
            Questions = questions,
            ResponseQuota = int.TryParse(One("quota"), CultureInfo.InvariantCulture, out var quota) ? quota : null,
            ClosesAt = ReadTime(One("closesAt")),
            DefaultTouchpoint = One("touchpoint"),
            DefaultChannel = One("channel"),
            AllowMultiple = One("allowMultiple") == "true",
        };
    }

    /// <summary>A datetime-local value ("2026-12-31T18:00"), read as UTC; null when empty or not a time.</summary>
    public static DateTime? ReadTime(string? value) =>
        DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static string? WriteTime(DateTime? value) => value?.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private static Labels LabelsOf(Func<string, StringValues> form, string prefix, List<string> languages)
    {
        var labels = new Labels();
        foreach (var language in languages)
        {
            if (form(prefix + language) is { Count: > 0 } v)
            {
                labels[language] = v[^1] ?? "";
            }
        }

        return labels;
    }

    /// <summary>
    /// Carries out one builder button, e.g. "add-question", "remove:2", "up:1", "down:0", "add-option:1",
    /// "remove-option:1:0", "add-rule:0", "remove-rule:0:1". Returns the changed request and a sentence saying what
    /// happened (announced to screen readers), or null for an unknown button.
    /// </summary>
    public static (SurveyRequest Request, string Message)? Apply(SurveyRequest request, string? op, string? newType)
    {
        var questions = (request.Questions ?? []).ToList();
        var parts = (op ?? "").Split(':');
        int At(int n) => parts.Length > n && int.TryParse(parts[n], CultureInfo.InvariantCulture, out var x) ? x : -1;
        var i = At(1);
        var valid = i >= 0 && i < questions.Count;
        switch (parts[0])
        {
            case "add-question":
                var type = newType is not null && QuestionTypes.All.Contains(newType) ? newType : QuestionTypes.Nps;
                if (questions.Count >= SurveyValidation.MaxQuestions)
                {
                    return (request, $"A survey may have at most {SurveyValidation.MaxQuestions} questions.");
                }

                questions.Add(new SurveyQuestion
                {
                    Id = NextId(questions.Select(q => q.Id), "q"),
                    Type = type,
                    Label = [],
                    Scale = type == QuestionTypes.Rating ? 5 : null,
                    Options = QuestionTypes.IsChoice(type) ? [new SurveyOption { Id = "o1" }, new SurveyOption { Id = "o2" }] : null,
                });
                return (request with { Questions = questions }, $"Added question {questions.Count} ({QuestionTypes.Describe(type)}).");
            case "remove" when valid:
                questions.RemoveAt(i);
                return (request with { Questions = questions }, $"Removed question {i + 1}.");
            case "up" when valid && i > 0:
                (questions[i - 1], questions[i]) = (questions[i], questions[i - 1]);
                return (request with { Questions = questions }, $"Moved question {i + 1} up to position {i}.");
            case "down" when valid && i < questions.Count - 1:
                (questions[i + 1], questions[i]) = (questions[i], questions[i + 1]);
                return (request with { Questions = questions }, $"Moved question {i + 1} down to position {i + 2}.");
            case "add-option" when valid:
                var options = (questions[i].Options ?? []).ToList();
                options.Add(new SurveyOption { Id = NextId(options.Select(o => o.Id), "o") });
                questions[i] = questions[i] with { Options = options };
                return (request with { Questions = questions }, $"Added option {options.Count} to question {i + 1}.");
            case "remove-option" when valid && At(2) is var j && j >= 0 && j < (questions[i].Options?.Count ?? 0):
                var remaining = questions[i].Options!.ToList();
                remaining.RemoveAt(j);
                questions[i] = questions[i] with { Options = remaining };
                return (request with { Questions = questions }, $"Removed option {j + 1} of question {i + 1}.");
            case "add-rule" when valid:
                var rules = (questions[i].Rules ?? []).ToList();
                rules.Add(new SkipRule { Operator = RuleOperators.For(questions[i].Type ?? QuestionTypes.Text)[0], Action = RuleActions.End });
                questions[i] = questions[i] with { Rules = rules };
                return (request with { Questions = questions }, $"Added skip rule {rules.Count} to question {i + 1}.");
            case "remove-rule" when valid && At(2) is var k && k >= 0 && k < (questions[i].Rules?.Count ?? 0):
                var kept = questions[i].Rules!.ToList();
                kept.RemoveAt(k);
                questions[i] = questions[i] with { Rules = kept };
                return (request with { Questions = questions }, $"Removed skip rule {k + 1} of question {i + 1}.");
            case "refresh":
                return (request, "Form updated; not saved yet.");
            default:
                return null;
        }
    }

    private static string NextId(IEnumerable<string?> used, string prefix)
    {
        var taken = used.Where(u => u is not null).ToHashSet(StringComparer.Ordinal);
        var n = 1;
        while (taken.Contains($"{prefix}{n}"))
        {
            n++;
        }

        return $"{prefix}{n}";
    }
}
