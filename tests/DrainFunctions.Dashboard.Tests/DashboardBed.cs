using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DrainFunctions.Cli.Tests;
using DrainFunctions.Data;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace DrainFunctions.Dashboard.Tests;

/// <summary>
/// One real <c>drain serve --key</c> (its own SQLite demo backlog, task hub and container on
/// Azurite) and one headless Chromium, shared by a class's tests: they run one after another, each
/// leaves no drain running. The executor script: when the file <c>hang</c> exists a phase prints
/// and hangs; else it waits <c>delay</c> seconds, then runs of <c>build130-</c> complete (the demo
/// executor) and the others fail with <see cref="FailureText"/> on stderr.
/// </summary>
public sealed class DashboardBed : IAsyncLifetime, IDisposable
{
    public const string Key = "dash-s3cret";
    public const string FailureText = "boom: cannot import the module";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-dashboard-");
    private readonly SemaphoreSlim failedSessionGate = new(1, 1);
    private DrainProcess serve = null!;
    private string? failedSession;

    public ChromeDriver Browser { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Uri Root { get; private set; } = null!;

    /// <summary>Where screenshots go: docs/ when DRAIN_SCREENSHOTS=1 (to refresh the committed ones), else the test output.</summary>
    public static string ScreenshotFolder =>
        Environment.GetEnvironmentVariable("DRAIN_SCREENSHOTS") == "1"
            ? Path.Combine(CliRunner.RepoRoot(), "docs")
            : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        var azurite = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.");
        var database = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db");
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(database)))
        {
            await admin.InitSchemaAsync();
            await admin.SeedDemoAsync();
        }

        var environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = database,
            ["AzureWebJobsStorage"] = azurite,
            ["DURABLE_TASK_HUB_NAME"] = "dash" + Guid.NewGuid().ToString("N")[..12],
            ["Snapshots__ContainerName"] = "dash-" + Guid.NewGuid().ToString("N")[..12],
            ["DRAIN_API_KEY"] = string.Empty,
        };
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Root = new Uri($"http://127.0.0.1:{port}/");
        serve = DrainProcess.Start(environment, "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--key", Key, "--executor-command", Executor());
        serve.WaitForLine(l => l.StartsWith("Serving the drain API", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        Http = new HttpClient { BaseAddress = Root };
        Http.DefaultRequestHeaders.Add("x-functions-key", Key);
        Browser = StartChromium();
    }

    public Task DisposeAsync()
    {
        Browser?.Quit();
        Browser?.Dispose();
        Http?.Dispose();
        serve?.Dispose();
        folder.Delete(recursive: true);
        return Task.CompletedTask;
    }

    public void Dispose() => failedSessionGate.Dispose();

    /// <summary>Debian's chromium and chromium-driver (scripts/test.sh installs them), headless, 1280 px wide.</summary>
    private static ChromeDriver StartChromium()
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--hide-scrollbars");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
    }

    private string Executor()
    {
        var demo = Path.Combine(AppContext.BaseDirectory, "DrainFunctions.DemoExecutor.dll");
        var script = Path.Combine(folder.FullName, "executor.sh");
        File.WriteAllText(script, $$"""
            #!/usr/bin/env bash
            run="$1"; phase="$2"
            echo "working on $run/$phase"
            if [ -f '{{folder.FullName}}/hang' ]; then echo "hello from $run/$phase"; echo "complaint on stderr" >&2; exec sleep 600; fi
            sleep "$(cat '{{folder.FullName}}/delay' 2>/dev/null || echo 0)"
            case "$run" in
              build130-*) exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 3 ;;
            esac
            echo "{{FailureText}} in $phase" >&2
            exit 1
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        return $"bash '{script}' {{run_id}} {{phase_id}}";
    }

    /// <summary>Phases hang (until cancelled) while the returned scope lives.</summary>
    public IDisposable Hanging()
    {
        var file = Path.Combine(folder.FullName, "hang");
        File.WriteAllText(file, string.Empty);
        return new Scope(() => File.Delete(file));
    }

    /// <summary>Each phase takes this long before it ends.</summary>
    public void PhaseDelay(double seconds) =>
        File.WriteAllText(Path.Combine(folder.FullName, "delay"), seconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>Starts a drain through the API; returns its session id.</summary>
    public async Task<string> StartDrainAsync(string body)
    {
        using var started = await Http.PostAsync("/api/drains", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"{(int)started.StatusCode}: {text}\nserve stderr:\n{serve.Stderr}");
        return JsonDocument.Parse(text).RootElement.GetProperty("sessionId").GetString()!;
    }

    /// <summary>The drain's status as the API answers it (Running, Completed, ...).</summary>
    public async Task<string> StatusAsync(string sessionId)
    {
        var body = await Http.GetFromJsonAsync<JsonElement>($"/api/drains/{sessionId}");
        return body.GetProperty("status").GetString()!;
    }

    public async Task WaitForEndAsync(string sessionId)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await StatusAsync(sessionId) is not ("Pending" or "Running" or "Suspended"))
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{sessionId} still runs after {Patience}; serve stderr:\n{serve.Stderr}");
    }

    /// <summary>
    /// An ended session with failures and successes whose failing runs the ledger stopped (a
    /// fingerprint stops its run at its first repeat): drained once, on first need.
    /// </summary>
    public async Task<string> FailedSessionAsync()
    {
        await failedSessionGate.WaitAsync();
        try
        {
            if (failedSession is null)
            {
                PhaseDelay(0);
                var id = await StartDrainAsync("""{"batchSize":5,"maxFingerprintRepeats":1,"phaseTimeoutSeconds":120}""");
                await WaitForEndAsync(id);
                failedSession = id;
            }

            return failedSession;
        }
        finally
        {
            failedSessionGate.Release();
        }
    }

    /// <summary>Opens the page at <paramref name="hash"/>, giving the key when this tab has none yet (the page asks for it).</summary>
    public void Open(string hash)
    {
        Browser.Navigate().GoToUrl(new Uri(Root, "/" + hash));
        if (Browser.ExecuteScript("return sessionStorage.getItem('drainFunctionKey')") is not string)
        {
            WaitUntil(() => Browser.FindElement(By.Id("key-prompt")).Displayed, "the key prompt");
            GiveKey();
        }
    }

    public void GiveKey()
    {
        var input = Browser.FindElement(By.Id("key-input"));
        input.Clear();
        input.SendKeys(Key + Keys.Enter);
        WaitUntil(() => !Browser.FindElement(By.Id("key-prompt")).Displayed, "the key prompt to close");
    }

    /// <summary>Waits until <paramref name="condition"/> holds (stale elements count as not yet).</summary>
    public void WaitUntil(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        if (!WaitFor(condition, timeout ?? Patience))
        {
            throw new TimeoutException($"waited {timeout ?? Patience} for {what}; the page shows:\n{Browser.FindElement(By.TagName("body")).Text}\nserve stderr:\n{serve.Stderr}");
        }
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            try
            {
                if (condition())
                {
                    return true;
                }
            }
            catch (WebDriverException)
            {
                // Polling replaced the element; ask again.
            }

            Thread.Sleep(100);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    /// <summary>A screenshot of the whole page at the window's width, as docs/dashboard-NAME.png (see <see cref="ScreenshotFolder"/>).</summary>
    public void Screenshot(string name, int width = 1280)
    {
        var window = Browser.Manage().Window;
        window.Size = new System.Drawing.Size(width, 900);
        var height = Convert.ToInt32(Browser.ExecuteScript("return document.documentElement.scrollHeight"), CultureInfo.InvariantCulture);
        window.Size = new System.Drawing.Size(width, Math.Clamp(height, 600, 2400));
        Browser.ExecuteScript("window.scrollTo(0, 0)");
        Browser.GetScreenshot().SaveAsFile(Path.Combine(ScreenshotFolder, $"dashboard-{name}.png"));
        window.Size = new System.Drawing.Size(1280, 900);
    }

    public string Text(By by) => Browser.FindElement(by).Text;

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
