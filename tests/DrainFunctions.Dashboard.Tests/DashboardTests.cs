using System.Net;
using OpenQA.Selenium;

namespace DrainFunctions.Dashboard.Tests;

/// <summary>
/// Issue 15: the dashboard in a real headless Chromium against a real <c>drain serve</c> on
/// Azurite, with real drains running. The tests share one server and one browser
/// (<see cref="DashboardBed"/>) and take the screenshots in docs/.
/// </summary>
public sealed class DashboardTests(DashboardBed bed) : IClassFixture<DashboardBed>
{
    private OpenQA.Selenium.Chrome.ChromeDriver Browser => bed.Browser;

    private IWebElement Find(string css) => Browser.FindElement(By.CssSelector(css));

    private bool Shown(string css) => Browser.FindElements(By.CssSelector(css)).Any(e => e.Displayed);

    [Fact]
    public async Task Page_WithoutTheKey_PromptsForItThenLists()
    {
        using var anonymous = new HttpClient { BaseAddress = bed.Root };
        using var page = await anonymous.GetAsync("/");
        using var api = await anonymous.GetAsync("/api/drains");
        bed.Browser.Navigate().GoToUrl(bed.Root);
        bed.Browser.ExecuteScript("sessionStorage.clear()");

        bed.Browser.Navigate().Refresh();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(DashboardAssets.Find(null)!.Text, await page.Content.ReadAsStringAsync());
        Assert.Equal(DashboardAssets.Find(null)!.Text, await anonymous.GetStringAsync("/api/dashboard"));
        Assert.Equal(DashboardAssets.Find("dashboard.js")!.Text, await anonymous.GetStringAsync("/dashboard/dashboard.js"));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        bed.WaitUntil(() => Shown("#key-prompt"), "the key prompt");
        Assert.Contains("401", bed.Text(By.Id("key-reason")), StringComparison.Ordinal);
        bed.GiveKey();
        bed.WaitUntil(() => Shown("#sessions table"), "the sessions table");
    }

    [Fact]
    public async Task Sessions_RunningDrain_AppearsAndProgressAdvancesWithoutReload()
    {
        await bed.FailedSessionAsync();
        bed.Open("#/sessions");
        bed.Browser.ExecuteScript("window.notReloaded = true");
        bed.PhaseDelay(3);

        var sessionId = await bed.StartDrainAsync("""{"batchSize":4,"ledgerEnabled":false,"phaseTimeoutSeconds":120}""");

        var row = $"tr[data-session='{sessionId}']";
        bed.WaitUntil(() => Shown(row) && Find(row + " [data-status]").Text == "Running", "the new session, running");
        var first = Find(row + " [data-test=progress]").Text;
        bed.WaitUntil(() => Find(row + " [data-test=progress]").Text != first, $"progress beyond {first}");
        bed.Screenshot("sessions");
        bed.WaitUntil(() => Find(row + " [data-status]").Text == "Completed", "the session to complete", TimeSpan.FromSeconds(90));
        Assert.Equal("4/4", Find(row + " [data-test=progress]").Text);
        Assert.Equal(true, bed.Browser.ExecuteScript("return window.notReloaded === true"));
        await bed.WaitForEndAsync(sessionId);
    }

    [Fact]
    public async Task Session_Failure_FingerprintAndLogInTwoClicks()
    {
        var sessionId = await bed.FailedSessionAsync();
        bed.Open("#/sessions");
        bed.WaitUntil(() => Shown($"tr[data-session='{sessionId}'] a"), "the session's link");

        Find($"tr[data-session='{sessionId}'] a").Click();
        bed.WaitUntil(() => Shown("#session-fingerprints tr[data-fingerprint] a[data-log]"), "a fingerprint with its phases");
        var fingerprint = Find("#session-fingerprints tr[data-fingerprint]");
        var phase = fingerprint.FindElement(By.CssSelector("a[data-log]"));
        var picked = phase.GetAttribute("data-log");
        phase.Click();

        bed.WaitUntil(() => Shown("#log-stderr") && Find("#log-stderr").Text.Contains(DashboardBed.FailureText, StringComparison.Ordinal), "the failed phase's stderr");
        Assert.Contains($"working on {picked}", Find("#log-stdout").Text, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(fingerprint.GetAttribute("data-fingerprint")));
        bed.Screenshot("session");
    }

    [Fact]
    public async Task Sessions_Keyboard_TabAndEnterOpenASession()
    {
        var sessionId = await bed.FailedSessionAsync();
        bed.Open("#/sessions");
        bed.WaitUntil(() => Shown($"tr[data-session='{sessionId}'] a"), "the session's link");
        Browser.ExecuteScript("document.activeElement.blur()");

        var tabs = 0;
        while (Browser.SwitchTo().ActiveElement().GetAttribute("href")?.EndsWith($"#/session/{sessionId}", StringComparison.Ordinal) != true && tabs++ < 20)
        {
            new OpenQA.Selenium.Interactions.Actions(Browser).SendKeys(Keys.Tab).Perform();
        }

        Browser.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        bed.WaitUntil(() => Shown("#session-head [data-status]"), "the session opened by keyboard");
        Assert.True(tabs <= 20, "the session link was not reachable with Tab");
        Assert.Equal("view", Browser.SwitchTo().ActiveElement().GetAttribute("id"));
    }

    [Fact]
    public async Task Session_CancelNow_StopsTheDrain()
    {
        string sessionId;
        using (bed.Hanging())
        {
            sessionId = await bed.StartDrainAsync("""{"batchSize":3,"ledgerEnabled":false,"phaseTimeoutSeconds":300}""");
            bed.Open($"#/session/{sessionId}");
            bed.WaitUntil(() => Shown("#session-inflight tr[data-inflight] a[data-log]"), "the phase in flight");
            Find("#session-inflight tr[data-inflight] a[data-log]").Click();
            bed.WaitUntil(() => Shown("#log-stdout") && Find("#log-stdout").Text.Contains("hello from", StringComparison.Ordinal), "the running phase's log, followed");
            bed.Screenshot("live");

            Find("#cancel-now").Click();
            bed.Browser.SwitchTo().Alert().Accept();
            await bed.WaitForEndAsync(sessionId);
        }

        bed.WaitUntil(() => Find("#session-head [data-status]").Text is not ("Running" or "Pending"), "the page to show the drain stopped");
        Assert.False(Shown("#cancel-now"));
        Assert.DoesNotContain(await bed.StatusAsync(sessionId), new[] { "Running", "Pending", "Suspended" });
    }

    [Fact]
    public async Task StartForm_BadValue_ShowsTheApiErrorBesideTheField()
    {
        bed.Open("#/start");
        bed.WaitUntil(() => Shown("#opt-batchSize"), "the start form");
        var batchSize = Find("#opt-batchSize");
        batchSize.Clear();
        batchSize.SendKeys("0");

        Find("#start-button").Click();

        bed.WaitUntil(() => Shown("[data-error-for=batchSize]"), "the error beside batchSize");
        Assert.Equal("must be an integer >= 1 (got 0)", Find("[data-error-for=batchSize]").Text);
        Assert.Equal("true", Find("#opt-batchSize").GetAttribute("aria-invalid"));
        Assert.Equal("opt-batchSize", Browser.SwitchTo().ActiveElement().GetAttribute("id"));
        Assert.Equal(["batchSize"], Browser.FindElements(By.CssSelector("[data-error-for]")).Where(e => e.Displayed).Select(e => e.GetAttribute("data-error-for")));
        bed.Screenshot("start");
        await Task.CompletedTask;
    }

    [Fact]
    public void StartForm_Preview_ListsThePicksAndStartsNothing()
    {
        bed.Open("#/start");
        bed.WaitUntil(() => Shown("#opt-batchSize"), "the start form");
        var batchSize = Find("#opt-batchSize");
        batchSize.Clear();
        batchSize.SendKeys("2");

        batchSize.SendKeys(Keys.Enter);

        bed.WaitUntil(() => Shown("#preview-picks li"), "the preview's picks");
        Assert.Equal(2, Browser.FindElements(By.CssSelector("#preview-picks li")).Count);
        Assert.DoesNotContain(Browser.FindElements(By.CssSelector("[data-error-for]")), e => e.Displayed);
    }

    [Fact]
    public async Task Ledger_Forget_ClearsAStoppedRun()
    {
        await bed.FailedSessionAsync();
        bed.Open("#/ledger");
        bed.WaitUntil(() => Shown("tr[data-stopped-run] [data-forget]"), "a stopped run");
        bed.Screenshot("ledger");
        var run = Find("tr[data-stopped-run]").GetAttribute("data-stopped-run")!;

        Find($"tr[data-stopped-run='{run}'] [data-forget]").Click();
        bed.Browser.SwitchTo().Alert().Accept();

        bed.WaitUntil(() => !Shown($"tr[data-stopped-run='{run}']"), $"{run} to leave the stopped runs");
        Assert.Contains($"about {run}", bed.Text(By.Id("status-line")), StringComparison.Ordinal);
        var ledger = await bed.Http.GetStringAsync("/api/ledger");
        Assert.DoesNotContain($"\"{run}\"", ledger, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_AgentHeartbeat_ListedWithItsSlots()
    {
        using var beat = await bed.Http.PostAsync("/api/agents/heartbeat", new StringContent("""{"agent":"dash-agent-1","slots":2,"machine":"build-box (drain 1.0)","running":[]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);

        bed.Open("#/agents");

        bed.WaitUntil(() => Shown("tr[data-agent='dash-agent-1']"), "the agent");
        var row = Find("tr[data-agent='dash-agent-1']");
        Assert.Contains("0/2", row.Text, StringComparison.Ordinal);
        Assert.Contains("build-box (drain 1.0)", row.Text, StringComparison.Ordinal);
        Assert.Contains("idle", row.Text, StringComparison.Ordinal);
        Assert.Equal("0/2", Find("[data-test=agents-slots]").Text);
        bed.Screenshot("agents");
    }

    [Fact]
    public async Task Sessions_NarrowDarkScreen_ReadableWithoutSideScrolling()
    {
        await bed.FailedSessionAsync();
        bed.Browser.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object?> { ["features"] = new[] { new Dictionary<string, object?> { ["name"] = "prefers-color-scheme", ["value"] = "dark" } } });
        try
        {
            bed.Browser.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?> { ["width"] = 390, ["height"] = 844, ["deviceScaleFactor"] = 1, ["mobile"] = true });
            bed.Open("#/sessions");
            bed.WaitUntil(() => Shown("#sessions tr[data-session]"), "the sessions");

            var overflow = Convert.ToInt64(bed.Browser.ExecuteScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth"), System.Globalization.CultureInfo.InvariantCulture);
            var background = (string?)bed.Browser.ExecuteScript("return getComputedStyle(document.body).backgroundColor");

            Assert.True(overflow <= 0, $"the page is {overflow}px wider than 390px");
            Assert.Equal("rgb(20, 22, 24)", background);
            bed.Browser.GetScreenshot().SaveAsFile(Path.Combine(DashboardBed.ScreenshotFolder, "dashboard-narrow-dark.png"));
        }
        finally
        {
            bed.Browser.ExecuteCdpCommand("Emulation.clearDeviceMetricsOverride", new Dictionary<string, object?>());
            bed.Browser.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object?> { ["features"] = Array.Empty<object>() });
        }
    }
}
