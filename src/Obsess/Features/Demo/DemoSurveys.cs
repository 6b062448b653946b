using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Feedback;
using Obsess.Features.Surveys;
using Obsess.Features.Texts;

namespace Obsess.Features.Demo;

/// <summary>
/// Two live surveys for the demo company with answers that follow its customers: an NPS relationship survey (loyal
/// buyers tend to promote, lapsed ones to detract) and a CSAT/CES survey after each solved support ticket. Every
/// answer is a feedback row; comments are customer texts waiting for the text engine. Deterministic per seed, built
/// customer by customer as the demo is generated and written with the bulk writer in the demo's transaction.
/// Every answer came through a personal link, and some invited customers never answered, so the surveys have a
/// response rate; those links come from a second random stream, so the answers are what they were without them.
/// Nobody holds a demo link's key (its stored hash is of fresh random bytes), so none can be opened.
/// </summary>
internal sealed class DemoSurveys
{
    public const string RelationshipName = "Customer relationship (NPS)";
    public const string SupportName = "Support follow-up (CSAT)";

    private static readonly string[] Agents = ["Amira Haddad", "Ben Carter", "Chloé Martin", "Dev Patel", "Eva Novak"];

    private static readonly string[] Praise =
    [
        "Ordering was quick and the parcel came a day early.",
        "Good value for money, and the quality feels solid.",
        "Your support team sorted out my question within minutes.",
        "I like the choice in the shop and the clear product pages.",
        "Returns were painless, so I keep coming back.",
    ];

    private static readonly string[] Neutral =
    [
        "Fine overall, though the checkout asks for too many details.",
        "Prices are fair but delivery slots are limited.",
        "The app works, but finding my order history takes a while.",
    ];

    private static readonly string[] Complaints =
    [
        "My last two orders arrived late and nobody told me why.",
        "I waited a week for an answer from support.",
        "The item broke after a month and the refund took ages.",
        "If the next delivery is late again I will cancel my account and shop elsewhere.",
        "Too expensive compared with other shops now.",
    ];

    private static readonly string[] GermanComments =
    [
        "Schnelle Lieferung und freundlicher Service.",
        "Die Lieferung kam zu spät und niemand hat sich gemeldet.",
        "Gute Auswahl, aber die Preise sind gestiegen.",
    ];

    private static readonly string[] SupportComments =
    [
        "Solved on the first contact, thank you.",
        "It took three e-mails before anyone understood the problem.",
        "Friendly, but I had to explain everything twice.",
        "Quick and clear answer.",
        "Still not fixed, and I am losing patience.",
    ];

    private readonly Guid _ws;
    private readonly Random _rng;
    private readonly Random _invites;
    private readonly DateTime _today;
    private readonly DateTime _now;
    private readonly Survey _relationship;
    private readonly Survey _support;
    private readonly List<SurveyResponse> _responses = [];
    private readonly List<SurveyLink> _links = [];
    private readonly List<FeedbackRecord> _feedback = [];
    private readonly List<CustomerText> _texts = [];

    public DemoSurveys(Guid workspaceId, int seed, DateTime today, DateTime now)
    {
        _ws = workspaceId;
        _rng = new Random(unchecked((seed * 7919) + 17));
        _invites = new Random(unchecked((seed * 104_723) ^ 0x1A7E5));
        _today = today;
        _now = now;
        _relationship = NewSurvey(RelationshipName, "relationship", "email", Relationship(), allowMultiple: false);
        // One answer per solved ticket, so a customer may answer it again at the same touchpoint.
        _support = NewSurvey(SupportName, "support_resolved", "email", Support(), allowMultiple: true);
    }

    public int Responses => _responses.Count;

    public void Add(Guid customerId, DemoCustomer customer)
    {
        // The relationship survey goes to about a quarter of the customers who ever ordered, within the last half year.
        var answered = false;
        if (customer.Orders.Count > 0 && _rng.NextDouble() < 0.25)
        {
            var at = _today.AddDays(-_rng.Next(1, 180)).AddMinutes(_rng.Next(0, 24 * 60));
            if (at > customer.AcquiredAt)
            {
                answered = true;
                var lapsed = customer.DroppedOutAt is { } dropped && dropped < at;
                var mean = 7.6 + (Math.Min(customer.Orders.Count, 12) * 0.15) - (lapsed ? 3.0 : 0);
                var nps = Math.Clamp((int)Math.Round(mean + (Normal() * 2.0)), 0, 10);
                var german = _rng.NextDouble() < 0.15;
                var answers = new Dictionary<string, SurveyAnswer> { ["nps"] = new() { Score = nps } };
                var partial = _rng.NextDouble() < 0.05;
                if (!partial)
                {
                    if (nps > 6)
                    {
                        answers["best"] = new() { Choices = [Pick(["quality", "price", "delivery", "service"])] };
                    }

                    if (_rng.NextDouble() < (nps <= 6 ? 0.7 : 0.35))
                    {
                        answers["improve"] = new()
                        {
                            Text = german ? Pick(GermanComments) : nps >= 9 ? Pick(Praise) : nps >= 7 ? Pick(Neutral) : Pick(Complaints),
                        };
                    }
                }

                Respond(_relationship, customerId, at, german ? "de" : "en", "relationship", "email", null, answers, partial, invitedAt: at.AddHours(-6));
            }
        }

        // About half of the other buyers were invited too, and did not answer.
        if (customer.Orders.Count > 0 && !answered && _invites.NextDouble() < 0.5)
        {
            var invitedAt = _today.AddDays(-_invites.Next(1, 180)).AddMinutes(_invites.Next(0, 24 * 60));
            if (invitedAt > customer.AcquiredAt)
            {
                Link(_relationship, customerId, invitedAt, "relationship", "email", null);
            }
        }

        // The support survey follows solved tickets of the last year; about six in ten are answered.
        foreach (var solved in customer.Events.Where(e => e.Name == "Ticket solved" && e.At > _today.AddDays(-365) && e.At < _now))
        {
            if (_rng.NextDouble() >= 0.6)
            {
                // Invited, but no answer.
                Link(_support, customerId, solved.At.AddMinutes(30), "support_resolved", solved.Channel, null);
                continue;
            }

            var at = solved.At.AddHours(_rng.Next(1, 48));
            var csat = Math.Clamp((int)Math.Round(3.9 + (Normal() * 1.1)), 1, 5);
            var ces = Math.Clamp((int)Math.Round(csat + 1.5 + (Normal() * 1.0)), 1, 7);
            var answers = new Dictionary<string, SurveyAnswer> { ["csat"] = new() { Score = csat }, ["ces"] = new() { Score = ces } };
            if (_rng.NextDouble() < 0.3)
            {
                answers["comment"] = new() { Text = csat >= 4 ? Pick([.. SupportComments.Where((_, i) => i is 0 or 3)]) : Pick([.. SupportComments.Where((_, i) => i is 1 or 2 or 4)]) };
            }

            Respond(_support, customerId, at, "en", "support_resolved", solved.Channel, Pick(Agents), answers, partial: false, invitedAt: solved.At.AddMinutes(30));
        }
    }

    /// <summary>A personal link sent to the customer at <paramref name="at"/>: 30 days to answer, and nobody holds its key.</summary>
    private SurveyLink Link(Survey survey, Guid customerId, DateTime at, string touchpoint, string channel, string? agent)
    {
        var link = new SurveyLink
        {
            WorkspaceId = _ws,
            Id = Guid.CreateVersion7(),
            SurveyId = survey.Id,
            CustomerId = customerId,
            Touchpoint = touchpoint,
            Channel = channel,
            Agent = agent,
            SecretHash = SurveyTokens.HashOf(SurveyTokens.NewResumeSecret()),
            CreatedAt = at,
            ExpiresAt = at.AddDays(SurveyLinks.DefaultExpiryDays),
        };
        _links.Add(link);
        return link;
    }

    private void Respond(Survey survey, Guid customerId, DateTime at, string language, string touchpoint, string channel, string? agent, Dictionary<string, SurveyAnswer> answers, bool partial, DateTime invitedAt)
    {
        var link = Link(survey, customerId, invitedAt, touchpoint, channel, agent);
        var response = new SurveyResponse
        {
            WorkspaceId = _ws,
            Id = Guid.CreateVersion7(),
            SurveyId = survey.Id,
            CustomerId = customerId,
            LinkId = link.Id,
            Touchpoint = touchpoint,
            Channel = channel,
            Agent = agent,
            Language = language,
            Status = partial ? ResponseStatuses.Partial : ResponseStatuses.Complete,
            // Nobody holds a resume secret for demo answers: a hash of fresh random bytes matches no secret.
            ResumeHash = SurveyTokens.HashOf(SurveyTokens.NewResumeSecret()),
            DedupeKey = survey.AllowMultiple ? null : $"{customerId:N}|{touchpoint}",
            Answers = JsonSerializer.Serialize(answers, SurveyDefinition.Json),
            StartedAt = at,
            UpdatedAt = at,
            CompletedAt = partial ? null : at,
        };
        _responses.Add(response);
        link.UsedAt = at;
        link.ResponseId = response.Id;
        var definition = SurveyDefinition.FromJson(survey.Definition);
        foreach (var (qid, answer) in answers)
        {
            var q = definition.Question(qid)!;
            var externalId = $"{response.Id:N}:{qid}";
            Guid? textId = null;
            if (answer.Text is not null)
            {
                textId = Guid.CreateVersion7();
                _texts.Add(new CustomerText
                {
                    WorkspaceId = _ws,
                    Id = textId.Value,
                    CustomerId = customerId,
                    Kind = TextKinds.SurveyComment,
                    Channel = channel,
                    Source = SurveyResponder.SourceOf(survey),
                    ExternalId = externalId,
                    Body = answer.Text,
                    OccurredAt = at,
                    CreatedAt = _now,
                });
            }

            _feedback.Add(new FeedbackRecord
            {
                WorkspaceId = _ws,
                Id = Guid.CreateVersion7(),
                CustomerId = customerId,
                Kind = FeedbackKinds.Survey,
                Source = SurveyResponder.SourceOf(survey),
                ExternalId = externalId,
                SurveyId = survey.Id,
                ResponseId = response.Id,
                QuestionId = qid,
                Metric = SurveyResponder.MetricOf(q.Type!),
                Score = answer.Score,
                ScaleMax = QuestionTypes.IsScale(q.Type!) ? QuestionTypes.Range(q).Max : null,
                Choices = answer.Choices is null ? null : JsonSerializer.Serialize(answer.Choices),
                TextId = textId,
                Touchpoint = touchpoint,
                Channel = channel,
                Agent = agent,
                Language = language,
                OccurredAt = at,
                CreatedAt = _now,
            });
        }
    }

    /// <summary>Writes the surveys and their answers inside the demo's transaction.</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction tx, CancellationToken ct)
    {
        await BulkWriter.WriteAsync(connection, tx, "surveys", SurveyColumns, [_relationship, _support], null, ct).ConfigureAwait(false);
        await BulkWriter.WriteAsync(connection, tx, "survey_links", LinkColumns, _links, null, ct).ConfigureAwait(false);
        await BulkWriter.WriteAsync(connection, tx, "survey_responses", ResponseColumns, _responses, null, ct).ConfigureAwait(false);
        await BulkWriter.WriteAsync(connection, tx, "texts", TextColumns, _texts, null, ct).ConfigureAwait(false);
        await BulkWriter.WriteAsync(connection, tx, "feedback", FeedbackColumns, _feedback, null, ct).ConfigureAwait(false);
    }

    /// <summary>On a demo reload: the earlier demo surveys go with their answers (customers' other rows cascade).</summary>
    public static async Task RemoveAsync(ObsessDb db, CancellationToken ct)
    {
        var ids = await db.Set<Survey>().Where(s => s.Name == RelationshipName || s.Name == SupportName).Select(s => s.Id).ToListAsync(ct).ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return;
        }

        var textIds = db.Feedback.Where(f => f.SurveyId != null && ids.Contains(f.SurveyId.Value) && f.TextId != null).Select(f => f.TextId!.Value);
        await db.Texts.Where(t => textIds.Contains(t.Id)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Feedback.Where(f => f.SurveyId != null && ids.Contains(f.SurveyId.Value)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Set<SurveyLink>().Where(l => ids.Contains(l.SurveyId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Set<SurveyResponse>().Where(r => ids.Contains(r.SurveyId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Set<Survey>().Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
    }

    private Survey NewSurvey(string name, string touchpoint, string channel, SurveyDefinition definition, bool allowMultiple)
    {
        var (normalised, errors) = SurveyValidation.Validate(definition);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"The demo survey '{name}' is invalid: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
        }

        var created = _today.AddDays(-200);
        return new Survey
        {
            WorkspaceId = _ws,
            Id = Guid.CreateVersion7(),
            Name = name,
            Status = SurveyStatuses.Live,
            Token = SurveyTokens.NewSurveyToken(_ws),
            Definition = normalised.ToJson(),
            DefaultTouchpoint = touchpoint,
            DefaultChannel = channel,
            AllowMultiple = allowMultiple,
            CreatedAt = created,
            UpdatedAt = created,
            PublishedAt = created,
        };
    }

    private static Labels L(string en, string? de = null) => de is null
        ? new(new Dictionary<string, string> { ["en"] = en })
        : new(new Dictionary<string, string> { ["en"] = en, ["de"] = de });

    private static SurveyDefinition Relationship() => new()
    {
        Languages = ["en", "de"],
        DefaultLanguage = "en",
        Questions =
        [
            new SurveyQuestion
            {
                Id = "nps",
                Type = QuestionTypes.Nps,
                Required = true,
                Label = L("How likely are you to recommend us to a friend or colleague?", "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?"),
                Rules = [new SkipRule { Operator = RuleOperators.LessOrEqual, Score = 6, Action = RuleActions.GoTo, Target = "improve" }],
            },
            new SurveyQuestion
            {
                Id = "best",
                Type = QuestionTypes.SingleChoice,
                Label = L("What do you value most about us?", "Was schätzen Sie an uns am meisten?"),
                Options =
                [
                    new SurveyOption { Id = "quality", Label = L("Product quality", "Produktqualität") },
                    new SurveyOption { Id = "price", Label = L("Prices", "Preise") },
                    new SurveyOption { Id = "delivery", Label = L("Fast delivery", "Schnelle Lieferung") },
                    new SurveyOption { Id = "service", Label = L("Customer service", "Kundenservice") },
                ],
            },
            new SurveyQuestion
            {
                Id = "improve",
                Type = QuestionTypes.Text,
                Label = L("What is the one thing we should improve?", "Was sollten wir vor allem verbessern?"),
            },
        ],
    };

    private static SurveyDefinition Support() => new()
    {
        Languages = ["en"],
        DefaultLanguage = "en",
        Questions =
        [
            new SurveyQuestion { Id = "csat", Type = QuestionTypes.Csat, Required = true, Label = L("How satisfied are you with the help you received?") },
            new SurveyQuestion { Id = "ces", Type = QuestionTypes.Ces, Required = true, Label = L("How easy was it to get your issue solved? (1 = very hard, 7 = very easy)") },
            new SurveyQuestion { Id = "comment", Type = QuestionTypes.Text, Label = L("Anything you want to tell us about this conversation?") },
        ],
    };

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    /// <summary>A standard normal draw (Box–Muller).</summary>
    private double Normal() => Math.Sqrt(-2 * Math.Log(1 - _rng.NextDouble())) * Math.Cos(2 * Math.PI * _rng.NextDouble());

    private static readonly BulkColumn<Survey>[] SurveyColumns =
    [
        new("workspace_id", s => s.WorkspaceId), new("id", s => s.Id), new("name", s => s.Name), new("status", s => s.Status),
        new("token", s => s.Token), new("definition", s => s.Definition), new("response_quota", s => s.ResponseQuota),
        new("closes_at", s => s.ClosesAt), new("default_touchpoint", s => s.DefaultTouchpoint), new("default_channel", s => s.DefaultChannel),
        new("allow_multiple", s => s.AllowMultiple), new("created_at", s => s.CreatedAt), new("updated_at", s => s.UpdatedAt),
        new("published_at", s => s.PublishedAt), new("closed_at", s => s.ClosedAt),
    ];

    private static readonly BulkColumn<SurveyResponse>[] ResponseColumns =
    [
        new("workspace_id", r => r.WorkspaceId), new("id", r => r.Id), new("survey_id", r => r.SurveyId), new("customer_id", r => r.CustomerId),
        new("link_id", r => r.LinkId), new("touchpoint", r => r.Touchpoint), new("channel", r => r.Channel), new("agent", r => r.Agent),
        new("product", r => r.Product), new("language", r => r.Language), new("status", r => r.Status), new("resume_hash", r => r.ResumeHash),
        new("dedupe_key", r => r.DedupeKey), new("answers", r => r.Answers), new("started_at", r => r.StartedAt),
        new("updated_at", r => r.UpdatedAt), new("completed_at", r => r.CompletedAt),
    ];

    private static readonly BulkColumn<SurveyLink>[] LinkColumns =
    [
        new("workspace_id", l => l.WorkspaceId), new("id", l => l.Id), new("survey_id", l => l.SurveyId), new("customer_id", l => l.CustomerId),
        new("touchpoint", l => l.Touchpoint), new("channel", l => l.Channel), new("agent", l => l.Agent), new("product", l => l.Product),
        new("secret_hash", l => l.SecretHash), new("created_at", l => l.CreatedAt), new("expires_at", l => l.ExpiresAt),
        new("used_at", l => l.UsedAt), new("response_id", l => l.ResponseId),
    ];

    private static readonly BulkColumn<CustomerText>[] TextColumns =
    [
        new("workspace_id", t => t.WorkspaceId), new("id", t => t.Id), new("customer_id", t => t.CustomerId), new("kind", t => t.Kind),
        new("channel", t => t.Channel), new("source", t => t.Source), new("external_id", t => t.ExternalId), new("body", t => t.Body),
        new("occurred_at", t => t.OccurredAt), new("created_at", t => t.CreatedAt),
    ];

    private static readonly BulkColumn<FeedbackRecord>[] FeedbackColumns =
    [
        new("workspace_id", f => f.WorkspaceId), new("id", f => f.Id), new("customer_id", f => f.CustomerId), new("kind", f => f.Kind),
        new("source", f => f.Source), new("external_id", f => f.ExternalId), new("survey_id", f => f.SurveyId), new("response_id", f => f.ResponseId),
        new("question_id", f => f.QuestionId), new("metric", f => f.Metric), new("score", f => f.Score), new("scale_max", f => f.ScaleMax),
        new("choices", f => f.Choices), new("text_id", f => f.TextId), new("touchpoint", f => f.Touchpoint), new("channel", f => f.Channel),
        new("agent", f => f.Agent), new("product", f => f.Product), new("language", f => f.Language),
        new("occurred_at", f => f.OccurredAt), new("created_at", f => f.CreatedAt),
    ];
}
