namespace FedFace.Certs.Tests;

/// <summary>fedface-certs behaves as the other executables do: --help, --version, exit 2 and one line for usage errors.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Version_prints_the_build_version_even_without_the_options_a_PKI_needs()
    {
        var output = new StringWriter();
        Assert.Equal(0, Cli.Run(["--version"], output, TextWriter.Null));
        Assert.Matches(@"^fedface-certs \d+\.\d+", output.ToString());
    }

    [Fact]
    public void Help_describes_the_kit_and_revoke_commands()
    {
        var output = new StringWriter();
        Assert.Equal(0, Cli.Run(["--help"], output, TextWriter.Null));
        Assert.Contains("kit ", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("revoke ", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--aggregator-url", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Init_with_an_aggregator_url_writes_every_sites_kit_and_prints_the_CA_fingerprint()
    {
        var output = new StringWriter();
        int exitCode = Cli.Run(["--out", _directory.Path, "--sites", "2", "--aggregator-url", "https://fl.example.org:7443"], output, TextWriter.Null);

        Assert.Equal(0, exitCode);
        var layout = new PkiLayout(_directory.Path);
        Assert.True(File.Exists(Path.Combine(layout.KitsDirectory, "site-01.zip")) && File.Exists(Path.Combine(layout.KitsDirectory, "site-02.zip")));
        Assert.Contains("CA fingerprint (SHA-256): ", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Kit_adds_a_site_and_revoke_revokes_it()
    {
        Assert.Equal(0, Cli.Run(["--out", _directory.Path, "--sites", "1"], TextWriter.Null, TextWriter.Null));
        var output = new StringWriter();

        Assert.Equal(0, Cli.Run(["kit", "--pki", _directory.Path, "--site", "site-02", "--aggregator-url", "https://localhost:7443"], output, TextWriter.Null));
        Assert.Equal(0, Cli.Run(["revoke", "--pki", _directory.Path, "--site", "site-02"], output, TextWriter.Null));

        var layout = new PkiLayout(_directory.Path);
        Assert.Contains($"wrote {Path.Combine(layout.KitsDirectory, "site-02.zip")}", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("revoked site-02", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Option '--pki' is required", "kit", "--site", "site-01", "--aggregator-url", "https://localhost:7443")]
    [InlineData("must be an https URL", "kit", "--pki", "x", "--site", "site-01", "--aggregator-url", "http://localhost:7443")]
    [InlineData("Site id 'Site-1' is not valid", "revoke", "--pki", "x", "--site", "Site-1")]
    [InlineData("fedface-certs revoke: unknown option '--colour'", "revoke", "--colour")]
    [InlineData("unknown option '--site' (did you mean --sites?)", "--out", "x", "--site", "3")]
    // An option left without its value is that one problem, not the consequences of the next option taken for it.
    [InlineData("fedface-certs: --out has no value: the word after it, '--sites', is an option (see fedface-certs --help)", "--out", "--sites", "3")]
    public void Usage_errors_exit_2_with_one_line_saying_what_was_wrong(string expected, params string[] args)
    {
        var error = new StringWriter();
        Assert.Equal(2, Cli.Run(args, TextWriter.Null, error));
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_exits_1_with_one_line()
    {
        var error = new StringWriter();
        Assert.Equal(1, Cli.Run(["revoke", "--pki", _directory.Path, "--site", "site-01"], TextWriter.Null, error));
        Assert.StartsWith("fedface-certs: No CA in", error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().Trim().Split('\n'));
    }
}
