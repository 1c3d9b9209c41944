/* draws the column from the gkmlpt JSON API (data-api) */
