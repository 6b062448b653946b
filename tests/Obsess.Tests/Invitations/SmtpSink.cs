using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Obsess.Tests.Invitations;

/// <summary>One message as the SMTP server received it: envelope, subject, top-level type, decoded parts by type, raw text.</summary>
public sealed record ReceivedMail(string From, List<string> To, string Subject, string ContentType, Dictionary<string, string> Parts, string Raw);

/// <summary>
/// A real SMTP server on loopback: Debian's python3-aiosmtpd, with a handler that writes each accepted message
/// (envelope, decoded parts and raw content) to a file before it answers 250, so a message is on disk when the client's send returns.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private const string Script = """
        import email, email.policy, json, os, sys, uuid
        from aiosmtpd.controller import Controller

        folder = sys.argv[2]

        class Recorder:
            async def handle_DATA(self, server, session, envelope):
                raw = envelope.original_content or envelope.content
                message = email.message_from_bytes(raw, policy=email.policy.default)
                parts = {p.get_content_type(): p.get_content() for p in message.walk() if not p.is_multipart()}
                record = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(message["subject"]),
                          "contentType": message.get_content_type(), "parts": parts, "raw": raw.decode("utf-8", "replace")}
                name = os.path.join(folder, uuid.uuid4().hex)
                with open(name + ".tmp", "w", encoding="utf-8") as f:
                    json.dump(record, f)
                os.rename(name + ".tmp", name + ".json")
                return "250 OK"

        controller = Controller(Recorder(), hostname="127.0.0.1", port=int(sys.argv[1]))
        controller.start()
        print("ready", flush=True)
        sys.stdin.read()
        controller.stop()
        """;

    private readonly Process _process;
    private readonly string _root;

    private SmtpSink(Process process, string root, int port)
    {
        _process = process;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public string Folder => Path.Combine(_root, "mail");

    public static async Task<SmtpSink> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"obsess-smtp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(root, "mail"));
        var script = Path.Combine(root, "sink.py");
        await File.WriteAllTextAsync(script, Script);
        var port = FreePort();
        // Debian's interpreter, which python3-aiosmtpd installs into (a pyenv or venv python3 on PATH would not see it).
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(root, "mail") })
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The SMTP tests need python3 with aiosmtpd: apt-get install -y python3-aiosmtpd.", e);
        }

        var ready = await process.StandardOutput.ReadLineAsync();
        if (ready != "ready")
        {
            var error = await process.StandardError.ReadToEndAsync();
            throw new InvalidOperationException($"The SMTP sink did not start (install python3-aiosmtpd): {error}");
        }

        return new SmtpSink(process, root, port);
    }

    /// <summary>Every message received so far, as Python's e-mail parser read it (MIME parts decoded).</summary>
    public List<ReceivedMail> Messages() =>
        [.. Directory.GetFiles(Folder, "*.json").Select(f => JsonSerializer.Deserialize<ReceivedMail>(File.ReadAllText(f), JsonOptions)!)];

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Closing stdin lets the script stop its controller; kill only this process if it does not.
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
