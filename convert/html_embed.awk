# html_embed.awk - makes html_assets.c, the HTML report's style and script as C strings: each
# input file (convert/html_report.css, .js) becomes tt_html_<its extension>, line by line.
BEGIN {
	print "/* html_assets.c - made by convert/html_embed.awk from convert/html_report.css and .js */"
	print "#include \"html.h\""
}
FNR == 1 {
	if (NR > 1)
		print ";"
	ext = FILENAME
	sub(/.*\./, "", ext)
	printf "\nconst char tt_html_%s[] =\n", ext
}
# backslashes and quotes escaped, and '?' so that no "??x" reads as a trigraph; char by char,
# as awks differ in what a backslash means in gsub's replacement
function esc(s,	out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\" || c == "\"" || c == "?")
			out = out "\\"
		out = out c
	}
	return out
}
{
	printf "\t\"%s\\n\"\n", esc($0)
}
END {
	print ";"
}
