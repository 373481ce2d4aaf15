using FedFace.Aggregator.Dashboard;
using FedFace.Aggregator.Tests.Kit;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (headless chromium) against a real aggregator whose sites run rounds over mutual TLS:
/// the page refuses an anonymous visitor, and with the token it shows the rounds advancing without a reload.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class DashboardInBrowserTests(TestFederation federation, ITestOutputHelper output)
{
    private const string Token = "browser-token-0123456789abcdef";

    private readonly CapturedLog _log = new(output);

    [ChromiumFact]
    public async Task The_page_refuses_an_anonymous_visitor_and_with_the_token_shows_rounds_advancing_without_a_reload()
    {
        string workspace = federation.Workspace("dashboard-browser");
        string tokenPath = Path.Combine(workspace, "dashboard.token");
        await File.WriteAllTextAsync(tokenPath, Token);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 3)))
        {
            MinSites = 2,
            TotalRounds = 3,
            Dashboard = new DashboardOptions { Enabled = true, Port = 0, TokenPath = tokenPath, RefreshSeconds = 0.2 },
        }, _log);
        Uri dashboard = aggregator.DashboardUri!;
        using var first = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 30);
        using ChromeDriver browser = HeadlessChromium.Start();

        // Anonymous: the aggregator's refusal, not the page.
        browser.Navigate().GoToUrl(dashboard);
        Assert.Contains("needs the operator certificate or the dashboard token", browser.FindElement(By.TagName("body")).Text);
        Assert.Empty(browser.FindElements(By.Id("round-number")));

        // The token once in the address: swapped for a cookie, and gone from the address.
        browser.Navigate().GoToUrl(new Uri(dashboard, "/?token=" + Token));
        Assert.Equal(new Uri(dashboard, "/").ToString(), browser.Url);
        await UntilAsync(browser, () => Text(browser, "connection").StartsWith("live", StringComparison.Ordinal), "the page never read the status");
        Assert.Equal("FedFace-Test", Text(browser, "federation"));
        Assert.Equal("0 of 3", Text(browser, "committed-rounds"));
        // Survives only as long as the page is not reloaded.
        browser.ExecuteScript("window.fedfaceTestMarker = 'same page';");

        await Task.WhenAll(first.JoinAsync(), second.JoinAsync()).WaitAsync(Eventually.Patience);
        for (long round = 1; round <= 2; round++)
        {
            await CommittedRounds.RunOneAsync(aggregator, round, first, second);
            long shown = round;
            await UntilAsync(browser, () => Text(browser, "committed-rounds") == $"{shown} of 3"
                && browser.FindElements(By.CssSelector("#rounds tbody tr")).Count == shown
                && browser.FindElement(By.Id("chart")).GetDomAttribute("data-points") == shown.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"the page never showed round {shown} committed");
            output.WriteLine($"round {round}: {string.Join(" | ", LatestRound(browser))}");
        }

        Assert.Equal("same page", browser.ExecuteScript("return window.fedfaceTestMarker;"));
        string[] latest = LatestRound(browser);
        Assert.Equal(["2", "committed", "v2", "2 / 2", "40"], latest[..5]);
        Assert.Equal((10 * first.ReportedLoss + 30 * second.ReportedLoss) / 40, double.Parse(latest[5], System.Globalization.CultureInfo.InvariantCulture), 4);
        Assert.Equal((10 * first.ReportedAccuracy + 30 * second.ReportedAccuracy) / 40, double.Parse(latest[6], System.Globalization.CultureInfo.InvariantCulture), 2);
        Assert.NotEmpty(browser.FindElements(By.CssSelector("#chart .uplot canvas")));
        Assert.Equal(3, browser.FindElements(By.CssSelector("#models tbody tr")).Count);
        Assert.Contains("site-01", browser.FindElement(By.Id("sites")).Text);
    }

    /// <summary>The cells of the newest round's row, read in one script: the page replaces its rows at every refresh.</summary>
    private static string[] LatestRound(ChromeDriver browser) =>
        [.. ((IEnumerable<object>)browser.ExecuteScript("return [...document.querySelectorAll('#rounds tbody tr:first-child td')].map(td => td.textContent);")!)
            .Select(cell => (string)cell)];

    private static string Text(ChromeDriver browser, string id) => browser.FindElement(By.Id(id)).Text;

    /// <summary>Polls <paramref name="condition"/>; an element the page replaced while it was read counts as "not yet".</summary>
    private static Task UntilAsync(ChromeDriver browser, Func<bool> condition, string failure) =>
        Eventually.TrueAsync(() =>
        {
            try
            {
                return condition();
            }
            catch (StaleElementReferenceException)
            {
                return false;
            }
        }, Eventually.Patience, () => $"{failure}; the page reads:\n{browser.FindElement(By.TagName("body")).Text}");
}
