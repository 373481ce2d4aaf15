using System.CommandLine;

namespace FedFace.CommandLine.Tests;

/// <summary>A program of sub-commands with arguments and checked options (as fedface's), on the shared conventions.</summary>
public sealed class SubcommandTests
{
    private static ProgramCommandLine Create()
    {
        var program = new ProgramCommandLine("sample", "A sample program.", settings: [], configFile: false);
        var enroll = new Command("enroll", """
            Enrols the photos of a folder.

            A second paragraph on what it does.
            """)
        { new Argument<string>("folder") { Description = "The photos." }, new Option<string>("--gallery") { Required = true }, CheckedOptions.Number("--threads", 1, 256, 4, "N", "Workers.") };
        var identify = new Command("identify", "Identifies photos.")
        {
            new Argument<string[]>("image") { Arity = ArgumentArity.OneOrMore },
            CheckedOptions.Number("--top", 1, 1000, "K", "Candidates."),
            CheckedOptions.Number("--threshold", -1f, 1f, "T", "Accept at this score."),
            CheckedOptions.Parsed("--day", text => (DayOfWeek?)Enum.Parse<DayOfWeek>(text, ignoreCase: true), "DAY", "A day."),
            new Option<bool>("--json"),
        };
        program.AddCommand(enroll, "Enrol a folder.");
        program.AddCommand(identify, "Identify photos.");
        return program;
    }

    private static (CommandLineOutcome Outcome, string Output, string Error) Parse(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        CommandLineOutcome outcome = Create().Parse(args, output, error);
        return (outcome, output.ToString(), error.ToString().TrimEnd('\n', '\r'));
    }

    [Theory]
    [InlineData("sample: unknown command 'idenitfy' (did you mean identify?) (see sample --help)", "idenitfy", "a.jpg", "--tpo", "3")]
    [InlineData("sample identify: --top must be a whole number from 1 to 1000, got '0' (see sample identify --help)", "identify", "a.jpg", "--top", "0")]
    [InlineData("sample identify: --top must be a whole number from 1 to 1000, got '2.5' (see sample identify --help)", "identify", "a.jpg", "--top", "2.5")]
    [InlineData("sample identify: --threshold must be a number from -1 to 1, got 'x' (see sample identify --help)", "identify", "a.jpg", "--threshold", "x")]
    [InlineData("sample identify: --day: Requested value 'Someday' was not found (see sample identify --help)", "identify", "a.jpg", "--day", "Someday")]
    [InlineData("sample enroll: --threads must be a whole number from 1 to 256, got '0' (see sample enroll --help)", "enroll", "photos", "--gallery", "g", "--threads", "0")]
    // A misspelt option where an argument may stand is an unknown option (with its value), not the argument; the
    // required option it was meant to be is not reported again.
    [InlineData("sample enroll: unknown option '--galery' (did you mean --gallery?) (see sample enroll --help)", "enroll", "--galery", "g", "photos")]
    [InlineData("sample identify: unknown option '--tpo' (did you mean --top?) (see sample identify --help)", "identify", "a.jpg", "--tpo", "3", "b.jpg")]
    // ... but a misspelt flag takes no value: the word after it is still the argument.
    [InlineData("sample identify: unknown option '--jsno' (did you mean --json?) (see sample identify --help)", "identify", "--jsno", "a.jpg")]
    // An option whose value was left out is that one problem, not its consequences (the next option taken as its value).
    [InlineData("sample enroll: --gallery has no value: the word after it, '--threads', is an option (see sample enroll --help)", "enroll", "photos", "--gallery", "--threads", "4")]
    public void A_usage_error_is_one_line_naming_the_word_and_what_was_meant(string expected, params string[] args)
    {
        (CommandLineOutcome outcome, string output, string error) = Parse(args);

        Assert.Equal(ExitCodes.UsageError, outcome.ExitCode);
        Assert.Empty(output);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Checked_options_give_their_values_or_defaults_and_words_after_a_double_dash_and_negative_numbers_are_arguments()
    {
        (CommandLineOutcome identify, _, string identifyError) = Parse("identify", "a.jpg", "--threshold", "-0.5", "--day", "monday", "--", "-b.jpg");
        (CommandLineOutcome enroll, _, string enrollError) = Parse("enroll", "photos", "--gallery", "g");

        Assert.Equal(("", ""), (identifyError, enrollError));
        Assert.Equal(["a.jpg", "-b.jpg"], identify.Result.GetRequiredValue<string[]>("image"));
        Assert.Equal(-0.5f, identify.Result.GetValue<float?>("--threshold"));
        Assert.Null(identify.Result.GetValue<int?>("--top"));
        Assert.Equal(DayOfWeek.Monday, identify.Result.GetValue<DayOfWeek?>("--day"));
        Assert.Equal(4, enroll.Result.GetValue<int>("--threads"));
    }

    [Fact]
    public void The_programs_help_lists_each_command_by_its_summary_and_a_commands_help_gives_its_whole_description()
    {
        (CommandLineOutcome root, string rootHelp, _) = Parse("--help");
        (CommandLineOutcome enroll, string enrollHelp, _) = Parse("enroll", "--help");

        Assert.Equal((0, 0), (root.ExitCode, enroll.ExitCode));
        Assert.Matches(@"\n  enroll <folder>\s+Enrol a folder\.\n", rootHelp);
        Assert.DoesNotContain("second paragraph", rootHelp, StringComparison.Ordinal);
        Assert.Contains("A second paragraph on what it does.", enrollHelp, StringComparison.Ordinal);
        Assert.Contains("sample enroll <folder> [options]", enrollHelp, StringComparison.Ordinal); // the program's name, not the test host's
        Assert.Matches(@"--threads <N>\s+Workers\. \[default: 4\]", enrollHelp);
    }
}
