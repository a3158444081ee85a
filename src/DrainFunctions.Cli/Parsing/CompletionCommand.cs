using System.CommandLine;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Parsing;

/// <summary>
/// <c>drain completion bash|zsh|pwsh</c>: a script that makes the shell complete drain's commands,
/// flags and flag values. The script asks drain itself (System.CommandLine's <c>[suggest]</c>
/// directive), so it never goes stale.
/// </summary>
public static class CompletionCommand
{
    public const string Bash = """
        # drain completion for bash: source <(drain completion bash), or save it under ~/.local/share/bash-completion/completions/drain
        _drain_complete()
        {
            local line="${COMP_LINE#* }" IFS=$'\n'
            local position=$(( COMP_POINT - (${#COMP_LINE} - ${#line}) ))
            (( position < 0 )) && position=0
            local candidates
            candidates=$("${COMP_WORDS[0]}" "[suggest:${position}]" "${line}" 2>/dev/null)
            COMPREPLY=( $(compgen -W "${candidates}" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _drain_complete drain ./drain
        """;

    public const string Zsh = """
        # drain completion for zsh: source <(drain completion zsh), or add that line to ~/.zshrc
        autoload -U +X bashcompinit && bashcompinit
        """;

    public const string Pwsh = """
        # drain completion for PowerShell: drain completion pwsh | Out-String | Invoke-Expression (e.g. in $PROFILE)
        Register-ArgumentCompleter -Native -CommandName drain, ./drain -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            $line = $commandAst.ToString()
            $first = $commandAst.CommandElements[0].Extent.Text
            $rest = $line.Substring([Math]::Min($line.Length, $first.Length)).TrimStart()
            $position = [Math]::Max(0, $cursorPosition - $commandAst.Extent.StartOffset - ($line.Length - $rest.Length))
            & $first "[suggest:$position]" "$rest" 2>$null | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }
        """;

    private static readonly string[] Shells = ["bash", "zsh", "pwsh"];

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh or pwsh" };
        shell.CompletionSources.Add(Shells);
        var command = new Command("completion", "print a script that makes your shell complete drain's commands and flags") { shell };
        command.SetAction(parsed =>
        {
            var name = parsed.GetValue(shell) ?? string.Empty;
            if (!Shells.Contains(name, StringComparer.Ordinal))
            {
                throw UsageException.ForFlag("SHELL", $"invalid choice: '{FlagError.Shorten(name)}' (choose from {string.Join(", ", Shells.Select(s => $"'{s}'"))})");
            }

            var script = name switch
            {
                "zsh" => Zsh + "\n" + Bash,
                "pwsh" => Pwsh,
                _ => Bash,
            };
            context.Stdout.WriteLine(script);
            return 0;
        });
        return CommandHelp.WithExamples(
            command,
            "source <(drain completion bash)        # bash, now; add it to ~/.bashrc to keep it",
            "source <(drain completion zsh)         # zsh",
            "drain completion pwsh | Out-String | Invoke-Expression   # PowerShell",
            "drain \"[suggest:5]\" \"sessi\"             # what the scripts ask: completions at a position");
    }
}
