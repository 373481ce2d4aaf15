using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>
/// <c>fedface-site</c>'s usage errors: one line naming what was wrong (with the flag probably meant), exit code 2, before
/// anything starts; its commands' flags are typed.
/// </summary>
public sealed class SiteCommandLineTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Init_model_with_a_seed_that_is_not_a_number_is_one_line_and_exit_code_2()
    {
        using var temp = new TempDirectory();

        SiteRun run = await RunAsync("init-model", "--out", temp.File("m.ffm"), "--seed", "x");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("fedface-site init-model: --seed: 'x' is not a whole number (see fedface-site init-model --help)", Assert.Single(run.Lines));
        Assert.False(File.Exists(temp.File("m.ffm")));
    }

    [Theory]
    [InlineData("--data-directry", "unknown option '--data-directry' (did you mean --data-directory?)")]
    [InlineData("--Site:Bogus", "unknown option '--Site:Bogus'")]
    [InlineData("--bogus-flag", "unknown option '--bogus-flag'")]
    public async Task An_unknown_flag_is_one_line_with_the_flag_probably_meant_and_exit_code_2(string flag, string expected)
    {
        SiteRun run = await RunAsync(flag, "x");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"fedface-site: {expected} (see fedface-site --help)", Assert.Single(run.Lines));
    }

    /// <summary>
    /// Also regression: the convolution check ran first, so its warnings (huge pages) or its refusal (here an unknown
    /// FEDFACE_CONV_LAYOUT, exit 1) came before the mistyped key.
    /// </summary>
    [Fact]
    public async Task An_unknown_settings_key_in_the_config_file_is_refused_by_name_with_exit_code_2()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("site.json"), """{ "Site": { "AgregatorUrl": "https://agg.example.org:7443" } }""");

        SiteRun run = await SiteProcess.RunAsync(new Dictionary<string, string> { ["FEDFACE_CONV_LAYOUT"] = "nhwc" }, "--config", temp.File("site.json"));
        output.WriteLine(run.ToString());

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("fedface-site: unknown setting 'Site:AgregatorUrl' (did you mean Site:AggregatorUrl?) (every key: --help or docs/configuration.md)",
            Assert.Single(run.Lines));
    }

    private async Task<SiteRun> RunAsync(params string[] args)
    {
        SiteRun run = await SiteProcess.RunAsync(args);
        output.WriteLine(run.ToString());
        return run;
    }
}
