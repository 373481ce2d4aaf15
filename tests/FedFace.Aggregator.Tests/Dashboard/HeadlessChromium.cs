using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace FedFace.Aggregator.Tests.Dashboard;

/// <summary>
/// Debian's chromium, headless, driven by Debian's chromium-driver through Selenium. Both come from one source package, so
/// the driver always speaks the browser's protocol; nothing is downloaded (Selenium Manager is not asked: both paths are given).
/// </summary>
public static class HeadlessChromium
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    /// <summary>
    /// Why the browser tests cannot run here; null when they can (run-tests.sh installs both packages where it may). Under CI
    /// (CI=true) never a reason to skip: a CI machine without the browser must fail the test, not pass it silently.
    /// </summary>
    public static string? Missing =>
        Environment.GetEnvironmentVariable("CI") == "true" ? null
        : !File.Exists(Browser) ? $"{Browser} is missing (apt-get install chromium)"
        : !File.Exists(Driver) ? $"{Driver} is missing (apt-get install chromium-driver)"
        : null;

    public static ChromeDriver Start()
    {
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions
        {
            BinaryLocation = Browser,
            // The page is served with the aggregator's certificate from the federation CA, which no browser trusts by default;
            // an operator imports ca.crt, the test accepts it.
            AcceptInsecureCertificates = true,
        };
        // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1600");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}

/// <summary>A test that needs headless chromium: skipped, with the reason, only on a machine without it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Missing is { } reason)
        {
            Skip = reason;
        }
    }
}
