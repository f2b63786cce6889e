using Microsoft.EntityFrameworkCore.Migrations;
using NpgsqlTypes;

#nullable disable

namespace Platform.Catalogue.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SearchQualityAndBatches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "quality_issues",
                table: "records",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<int>(
                name: "quality_score",
                table: "records",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "search_tokens",
                table: "records",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "quality_issues",
                table: "record_versions",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<int>(
                name: "quality_score",
                table: "record_versions",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "search_tokens",
                table: "federated_records",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "search_vector",
                table: "records",
                type: "tsvector",
                nullable: true,
                computedColumnSql: "array_to_tsvector(string_to_array(search_tokens, ' '))",
                stored: true);

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "search_vector",
                table: "federated_records",
                type: "tsvector",
                nullable: true,
                computedColumnSql: "array_to_tsvector(string_to_array(search_tokens, ' '))",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "ix_records_search_vector",
                table: "records",
                column: "search_vector")
                .Annotation("Npgsql:IndexMethod", "GIN");

            migrationBuilder.CreateIndex(
                name: "ix_federated_records_search_vector",
                table: "federated_records",
                column: "search_vector")
                .Annotation("Npgsql:IndexMethod", "GIN");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_records_search_vector",
                table: "records");

            migrationBuilder.DropIndex(
                name: "ix_federated_records_search_vector",
                table: "federated_records");

            migrationBuilder.DropColumn(
                name: "search_vector",
                table: "records");

            migrationBuilder.DropColumn(
                name: "search_vector",
                table: "federated_records");

            migrationBuilder.DropColumn(
                name: "quality_issues",
                table: "records");

            migrationBuilder.DropColumn(
                name: "quality_score",
                table: "records");

            migrationBuilder.DropColumn(
                name: "search_tokens",
                table: "records");

            migrationBuilder.DropColumn(
                name: "quality_issues",
                table: "record_versions");

            migrationBuilder.DropColumn(
                name: "quality_score",
                table: "record_versions");

            migrationBuilder.DropColumn(
                name: "search_tokens",
                table: "federated_records");
        }
    }
}
